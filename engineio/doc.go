// Package engineio is an engine.io protocol revision 3 server on fasthttp,
// wire-compatible with engine.io 1.8.3 (the transport under socket.io 1.7.3)
// and its clients: XHR and JSONP long-polling, WebSocket, and the polling to
// WebSocket upgrade. The packet codec lives in the sub-package packet.
//
// # Use
//
//	srv, _ := engineio.NewServer(&engineio.Options{Path: "/engine.io"})
//	srv.OnConnection(func(s *engineio.Socket) {
//		s.OnMessage(func(data []byte, binary bool) { ... })
//		s.OnClose(func(reason string) { ... })
//	})
//	srv.ListenAndServe("127.0.0.1:3000")  // or mount srv.Handler on a router
//
// Server.Handler is a fasthttp.RequestHandler for the endpoint (mount it for
// Path and everything below); Serve/ListenAndServe run a fasthttp.Server of
// the package's own. Server.Close(ctx) shuts down gracefully.
//
// # Concurrency
//
// Server and Socket methods are safe for concurrent use. Who runs what:
//
// Server: the goroutines of the fasthttp.Server serve HTTP requests; a
// polling GET with nothing to send parks on its handler goroutine until the
// session has data, closes, or the client drops the connection. Server.mu
// guards the session map and the counters Close waits on (sessions whose
// OnClose has not returned, goroutines the server started, hijacked
// connections). Close refuses new handshakes, closes every session, stops
// the own listener, and returns when all of those reach zero; if its context
// ends first it closes the remaining connections hard, waits for them, and
// returns the context's error. Lock order: Server.mu before Socket.mu, never
// the reverse; neither is held during I/O or while user code runs.
//
// Socket: Socket.mu guards the session state, the send queue and the
// transports; state changes that require I/O (closing a WebSocket, running
// OnClose/OnDrain) are collected under the lock and run after it is
// released. Send appends to the queue and never blocks on the network. On
// polling, the parked GET is handed the whole queue under the lock and
// writes it as one payload from its own handler goroutine — there is no
// writer goroutine. On WebSocket, a flusher goroutine is started when the
// queue becomes non-empty and no flusher runs; it writes everything queued
// (one frame per packet, corked into one write system call per batch), loops
// while more arrives, and exits when the queue is empty. An idle WebSocket
// session therefore has exactly one goroutine: its reader, which is the
// hijacked connection's goroutine and ends when the connection closes (after
// our close frame the peer gets 2 s to answer). Timers (heartbeat, upgrade,
// 100 ms upgrade noop, 30 s polling close) are time.AfterFunc timers and run
// only while they fire. A second lock, the delivery lock, is held while
// messages are handed to OnMessage (by the WebSocket reader or a POST
// handler) and while OnClose runs: handlers of one Socket never run
// concurrently, OnClose runs exactly once after the last OnMessage, and a
// Socket.Close called from inside OnMessage defers OnClose until that
// handler returns.
//
// # Buffers
//
// OnMessage's data is valid only during the call (it aliases a pooled read
// buffer or the POST body): copy it to keep it. Send keeps the Data slices
// of its messages until they are written and never modifies them, so one
// encoded message may be shared by many sockets; the []Message slice itself
// is copied and may be reused at once. Read buffers (1 KiB WebSocket
// buffered reader per connection; pooled message buffers), write buffers
// (pooled, taken per batch) and payload buffers are pooled.
//
// # Limits and defaults
//
// The zero Options are engine.io 1.8.3's defaults: pingInterval 25 s,
// pingTimeout 60 s, upgradeTimeout 10 s, maxHttpBufferSize 1e8 bytes (POST
// bodies; WebSocket messages of that size or more), both transports,
// upgrades advertised, cookie "io" (Path=/; HttpOnly), permessage-deflate and
// HTTP compression with a 1024-byte threshold. Options.MaxSendQueue (bytes)
// bounds a socket's send queue; 0 means unbounded as in 1.8.3. The
// fasthttp.Server of Serve accepts bodies up to maxHttpBufferSize+1 (capped
// at 1 GiB); a server of your own applies its MaxRequestBodySize first.
//
// Measured on the development machine (2 vCPU, Go 1.26): an idle WebSocket
// session costs about 7.5 KB of Go heap and stacks (≈ 6 KB of RSS) and one
// goroutine on the server (BenchmarkIdleWebSocket: 2000 connections opened
// by a separate process; heap-B/conn, rss-B/conn, goroutines/conn).
// Send on a busy session queues without allocating (BenchmarkSendQueue,
// ~43 ns); one WebSocket message echo round trip over loopback takes
// ~28 µs (BenchmarkWebSocketEcho), a polling POST+GET round trip ~100 µs.
//
// # Differences from engine.io 1.8.3
//
//   - Extensions: Options.MaxSendQueue with the close reason
//     "send queue overflow"; OnDrain; Close waits for sessions and
//     goroutines; handshakes after Close get 503.
//   - JSONP sessions always use base64 string payloads (the reference sends
//     a JSON-serialised Node Buffer to a JSONP client without b64; real
//     clients always send b64=1).
//   - A plain HTTP request with the sid of a WebSocket session gets 400
//     "Bad request" (the reference never answers it).
//   - Serve ends foreign upgrade requests at once instead of after 1 s, and
//     answers other paths with 501 as engine.io's listen(); Handler answers
//     paths outside Path with 404.
//   - permessage-deflate is negotiated without context takeover
//     (server_no_context_takeover; client_no_context_takeover in the 101),
//     the only mode of the WebSocket library; ws 1.1.2 keeps context.
//     Sec-WebSocket-Version must be 13 (ws 1.1.2 also takes 8) and the key
//     must be 16 base64 bytes. Text frames must be valid UTF-8 (as ws 1.1.2
//     checks); a bad one closes the session with "transport error".
//     WebSocket frames of large compressed messages may be fragmented.
//   - HTTP details fasthttp decides: header names are canonicalised
//     (X-Xss-Protection), empty 200/500 responses carry Content-Length: 0
//     instead of chunked encoding, and a Date header is added; header order
//     otherwise follows 1.8.3 (Content-Type, Content-Encoding,
//     Content-Length, CORS, X-XSS-Protection, Set-Cookie).
//   - A dropped parked GET is detected with a one-byte read probe on the
//     idle connection (fasthttp has no close notification); a pipelined
//     request arriving on that connection is consumed by the probe and the
//     connection is closed after the poll response.
//   - A POST over maxHttpBufferSize is read completely by fasthttp before
//     it is rejected (the reference stops reading at the limit); the
//     connection is then dropped without a response, as in 1.8.3. A POST
//     is never "in progress" from the server's view (fasthttp delivers the
//     whole body), so closing a session never aborts one.
//   - Closing a session with Server.Close does not wait for a polling
//     backlog to be fetched (1.8.3's discard mode still waits for a drain).
//   - The packet and packetCreate events, per-message send callbacks and
//     the write buffer inspection of 1.8.3 have no equivalent; OnDrain is
//     the flow-control hook.
package engineio
