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
// Serve/ListenAndServe run a fasthttp.Server of the package's own.
// ConfigureServer prepares an application's fasthttp.Server the same way,
// the engine taking the requests under Path and the application's handler
// the rest. Server.Handler is a plain fasthttp.RequestHandler for the
// endpoint, to mount on any router for Path and everything below (WebSocket
// sessions then cost more memory, and fasthttp's MaxRequestBodySize answers
// oversized POSTs with 413 instead of the engine). Server.Close(ctx) shuts
// down gracefully.
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
// returns the context's error. Slow or vanished peers cannot hold it: on
// Serve's own server, connections still open 1 s after Close began (a
// request whose headers or body never end) are closed, and a
// WebSocket write to a peer that stopped reading fails 1 s after its
// session closed or the shutdown began (the backlog is then dropped).
// Under ConfigureServer the application owns the fasthttp.Server and its
// shutdown. Lock order: a Socket's lock may be held while taking the
// Server's (to start a flusher), never the reverse; neither is held during
// I/O or while user code runs.
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
// while more arrives, and exits when the queue is empty. Frames of messages
// that are not compressed are built by the engine and copied once into the
// cork buffer; the WebSocket library writes only compressed messages and
// control frames (each control frame whole, under the cork's lock, so the
// two never interleave; no data frame follows a close frame). A Send with
// SendOptions.Batch on an idle WebSocket only queues and records the
// session in the Batch (Socket.mu guards the session's batch pointer, the
// Batch's own mutex its list; the Socket's lock may be held while taking
// the Batch's, never the reverse): Batch.Flush then writes the owner
// session's queue on the calling goroutine (one batch; more goes to a
// flusher) and starts a flusher for every other session, so many messages
// queued during one unit of work leave in one write per session. A Batch
// not flushed within its delay flushes itself from a time.AfterFunc timer,
// unless Sends with it keep coming (then it waits another delay, 10 delays
// at most); a session holding 64 KiB is written at once.
// A WebSocket has at most one reader goroutine at a time, and an idle one
// has none. On Serve's server (or one prepared by ConfigureServer), on
// Linux, a reader with nothing to read parks the connection on the
// Server's poller (one epoll instance and one goroutine, started on first
// use and ended by Close) and ends; the poller starts a new reader when
// bytes, EOF or an error arrive. A connection whose last two messages came
// less than a second apart keeps its reader waiting instead, until a sweep
// (a time.AfterFunc timer, every second while there are connections) finds
// it idle for a second and ends its wait with a past read deadline. An
// atomic state (active, waiting, kicked, parked), changed only by CAS,
// decides who owns the reading in every race (poller, sweep, close,
// shutdown); the reader that sees the connection end tears it down. A
// close frame we send takes a parked connection back so that a reader
// waits up to 2 s for the peer's answer. Through Server.Handler on another
// fasthttp.Server (which closes a hijacked connection when its handler
// returns) the hijack handler's goroutine stays the reader for the
// connection's lifetime. A peer that sends WebSocket pings keeps its reader
// (gorilla answers them inside its read). HandOff, called during a
// delivery, starts a new reader goroutine (counted by the Server) and ends
// the delivery early; the old goroutine stops reading when its OnMessage
// call returns. The ping timeouts of all sessions share one time.AfterFunc timer
// armed for the earliest deadline (a heap under its own lock, taken after a
// Socket's lock, never before); the other timers (upgrade, 100 ms upgrade
// noop, 30 s polling close) are per-session time.AfterFunc timers. Both
// run only while they fire. A second lock, the delivery lock, is held while
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
// is copied and may be reused at once. Read buffers (512-byte WebSocket
// buffered reader per connection; pooled message buffers), write buffers
// (pooled, taken per batch) and payload buffers are pooled. A session keeps
// its handshake Request for its lifetime in compact form (URL, address and
// raw header lines in one string); Request.Header and Request.Query parse
// on each call and return maps the caller owns.
//
// # Limits and defaults
//
// The zero Options are engine.io 1.8.3's defaults: pingInterval 25 s,
// pingTimeout 60 s, upgradeTimeout 10 s, maxHttpBufferSize 1e8 bytes (POST
// bodies; WebSocket messages of that size or more), both transports,
// upgrades advertised, cookie "io" (Path=/; HttpOnly), permessage-deflate and
// HTTP compression with a 1024-byte threshold. Options.MaxSendQueue (bytes)
// bounds a socket's send queue, pongs included; 0 means unbounded as in
// 1.8.3. A server run by Serve or prepared by ConfigureServer reads POST
// bodies up to min(maxHttpBufferSize+1, 4 MiB) before the engine sees them
// and streams larger or chunked ones, of which the engine reads at most
// maxHttpBufferSize+1 bytes; under a plain Handler the fasthttp.Server's
// MaxRequestBodySize applies first.
//
// Measured on the development machine (2 vCPU, Go 1.26): an idle WebSocket
// session costs no goroutine and about 3 KB of Go heap on a server run by
// Serve or prepared by ConfigureServer (≈4 KB of RSS in a fresh process;
// BenchmarkIdleWebSocket: 2000 connections opened by a separate process,
// metrics heap-B/conn, rss-B/conn, goroutines/conn — RSS is only meaningful
// with -benchtime=1x). Through Handler on an unprepared fasthttp.Server it
// is 12–15 KB and one goroutine: fasthttp closes a hijacked connection when
// its hijack handler returns, so that handler's goroutine stays the reader
// and keeps fasthttp's request context alive. Send on a busy session
// queues without allocating (BenchmarkSendQueue, ~25–45 ns); a WebSocket
// message echo round trip over loopback takes ~25 µs
// (BenchmarkWebSocketEcho), a polling POST+GET round trip ~80–100 µs
// (BenchmarkPollingRoundTrip, net/http client in the same process).
//
// # Differences from engine.io 1.8.3
//
//   - Extensions: Options.MaxSendQueue with the close reason
//     "send queue overflow"; OnDrain and OnBatchEnd; ConfigureServer;
//     Close waits for sessions and goroutines; handshakes after Close get
//     503.
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
//   - HTTP details fasthttp decides: empty 200/500 responses carry
//     Content-Length: 0 instead of chunked encoding, and a Date header is
//     added; header order otherwise follows 1.8.3 (Content-Type,
//     Content-Encoding, Content-Length, CORS, X-XSS-Protection,
//     Set-Cookie).
//   - A dropped parked GET is detected with a one-byte read probe on the
//     idle connection (fasthttp has no close notification); a pipelined
//     request arriving on that connection is consumed by the probe and the
//     connection is closed after the poll response.
//   - POST bodies up to 4 MiB are read by fasthttp before the engine
//     sees them: closing a session never aborts such a POST, and one whose
//     connection drops before its body is complete never reaches the
//     engine, so the session stays open (1.8.3 closes it with "transport
//     error"; the heartbeat ends it if the client is really gone). Larger
//     and chunked bodies are streamed and behave as in 1.8.3: reading stops
//     past maxHttpBufferSize (connection dropped without a response,
//     "transport error"), and a broken upload closes the session.
//   - Closing a session with Server.Close does not wait for a polling
//     backlog to be fetched (1.8.3's discard mode still waits for a drain),
//     nor more than 1 s for a WebSocket backlog its peer does not read;
//     Serve's connections still open 1 s into Close are closed. A closed session's WebSocket writes fail after 1 s.
//   - Pongs count against Options.MaxSendQueue (a client pinging without
//     reading is closed with "send queue overflow").
//   - The packet and packetCreate events, per-message send callbacks and
//     the write buffer inspection of 1.8.3 have no equivalent; OnDrain is
//     the flow-control hook.
package engineio
