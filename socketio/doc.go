// Package socketio is a socket.io 1.x server (socket.io 1.7.3 semantics,
// protocol revision 4 over engine.io revision 3) for Go, built on package
// engineio and the socket.io packet codec in socketio-parser. Unmodified
// socket.io-client 1.x browsers and Node clients talk to it.
//
// # Model
//
// A Server owns the engine.io server and the namespace table. A Namespace
// ("/", "/chat", created with Server.Of) has connection middlewares
// (Use), connection handlers (OnConnection), event handlers (On, or
// OnEvent for a typed first argument), an Adapter holding its rooms, and
// the ack-id counter of 1.7.3 (shared by all its sockets). A Socket is one
// client's connection to one namespace; every client is connected to "/"
// automatically. Handlers get the event arguments as Args (decoded on
// demand with Args.Decode; []byte for binary attachments) and a non-nil
// AckFunc when the client asked for an acknowledgement.
//
// Values(args) returns the arguments as values that re-encode exactly as
// 1.7.3 would re-emit them (key order kept), for relaying. Options.Fallback
// serves the application's other HTTP routes next to socket.io.
//
// Sending: Socket.Emit / Socket.EmitWithAck (unicast), Socket.To/In/
// Broadcast and Namespace.Emit/To/In (broadcasts through the adapter,
// encoded once for all recipients). Modifiers (Volatile, Compress, To,
// Local, Except) return new immutable values, so concurrent emits never
// share flags. []byte values anywhere in the arguments are sent as binary
// attachments; they are not copied and must not be modified after the
// call.
//
// # Concurrency
//
// Server: safe for concurrent use. Of may be called at any time; the
// namespace table is guarded by a RWMutex. Serve runs a fasthttp server
// whose goroutines end when Close returns. Close closes the root sockets,
// then the engine.io server (which ends every session), then the
// listeners, and waits for every client worker (below) to finish.
//
// client (one per engine.io session, internal): the engine's reader
// goroutine decodes messages, answers invalid-namespace CONNECTs and
// resolves acks; everything that runs user code — namespace middlewares, connection handlers, event
// handlers, ack callbacks, disconnect handlers — is queued and run by one
// worker goroutine per client, in arrival order, so a client's events are
// never handled concurrently with each other. The worker starts when work
// arrives and exits when the queue is empty (an idle client costs no
// goroutine); it is counted by the Server so Close can wait for it. Workers
// run on goroutines the Server keeps parked between bursts (at most 16 idle,
// each ending after 1 s without work or at Close), which saves a goroutine
// start and its stack growth per event. With
// Options.InlineHandlers (off by default), an event arriving on a
// WebSocket while the queue is empty and no worker runs is handled on the
// engine's reader goroutine itself (no goroutine
// start, no hand-over); whatever arrives meanwhile queues behind it and
// goes to a worker, so the order is kept. While such a handler runs its
// session reads nothing (heartbeats included): long work belongs on a
// goroutine of its own. EmitWithAck called from it first hands the reading
// to a new goroutine (engineio's Socket.HandOff), so the ack can arrive.
// The queue holds at most Options.MaxPendingPackets packets; when it is
// full the engine reader waits (backpressure on that client only). Acks to
// EmitWithAck are delivered directly by the reader, so a handler may wait
// for an ack from its own client. A client's mutex guards its namespace
// table, connect buffer, queue and the inline flag; it is never held while
// user code runs or while writing to the engine.
//
// Writes: while a job (handler, middleware, ack callback) runs, its Emits
// and ack replies are queued with an engineio.Batch of the client and the
// broadcasts made anywhere with the Server's batch; when a job ends both
// are flushed — the client's own session is written by the goroutine that
// ran the job, every other held session by its own engine writer — so the
// emits of one handler leave in one write per session. A handler that
// blocks holds its writes at most 1 ms (5 ms for broadcasts, or until
// another job ends) after its last emit; one that keeps emitting, at most
// 10 ms (50 ms), and a session with 64 KiB held is written at once.
// EmitWithAck flushes before it waits. Broadcasts made while no job runs
// are written at once.
//
// Namespace: safe for concurrent use. Middlewares and handlers are kept in
// a copy-on-write snapshot (reads are lock-free); the set of connected
// sockets is guarded by a RWMutex. Broadcasts take the adapter's read lock
// only to collect recipient ids and the namespace's read lock only to map
// them to sockets; no lock is held while writing to sockets.
//
// Socket: safe for concurrent use; a mutex guards its state, rooms,
// pending acks and handler lists. Its handlers run on its client's worker.
// Disconnect may be called from any goroutine: the socket stops sending
// and leaves the namespace at once, pending EmitWithAck calls return
// ErrDisconnected, and the disconnecting/disconnect handlers run on the
// worker. Socket values stay valid (Emit returns ErrDisconnected) after
// disconnection. Socket.Handshake is built on its first call (from the
// engine.io session's compact Request) and then returned unchanged; its
// Time is the socket's creation time either way.
//
// BroadcastOperator and Emitter are immutable values; use them from any
// goroutine.
//
// memoryAdapter (NewMemoryAdapter): a RWMutex guards the room and socket
// maps. Recipient lists come from a sync.Pool, so a broadcast allocates
// nothing per recipient: the packet is encoded once and the same
// engineio.Message slice is handed to every recipient's engineio.Socket.
//
// # Limits and defaults
//
// Options' zero value is 1.7.3's default: path "/socket.io", in-memory
// adapter, origins "*:*", engine.io 1.8.3 defaults. MaxPendingPackets
// (default 1024) bounds each client's handler queue. The parser's decoder
// limits apply (1000 attachments per packet, 100 MB buffered attachment
// bytes, nesting depth 1000). EmitWithAck pending acks are removed when
// its context ends or the socket disconnects; the callback form
// (Emit with an AckCallback last) keeps its entry until the client
// answers or disconnects, like 1.7.3. The connect buffer (CONNECTs waiting
// for "/") is bounded by MaxPendingPackets too.
//
// Measured (2 shared vCPU, fake transport, go test -bench): a broadcast to
// a room costs 7 allocations whatever the number of recipients (about
// 40 ns per recipient at 10 000); one client event with an ack reply about
// 1.2–1.7 µs and 13 allocations end to end; an idle client connected to
// two namespaces about 1.5 KB of heap and no goroutine at this layer.
//
// # Differences from socket.io 1.7.3
//
//   - The browser client is only served from Options.ClientFS (never
//     bundled); without it the routes fall through to engine.io (400), as
//     serveClient:false.
//   - Client events named like reserved events ("disconnect", "error",
//     ...) are dropped instead of triggering the internal listeners; event
//     data that is not an array starting with a string is dropped (1.7.3
//     crashes on some shapes); a client ERROR packet without an error
//     handler is logged, not thrown.
//   - A duplicate CONNECT for a connected namespace closes the previous
//     socket (reason "client namespace disconnect") instead of orphaning
//     it; middleware runs again and "40/nsp" is sent again, as in 1.7.3.
//   - Socket.Rooms includes the own-id room already in the connection
//     handler (1.7.3 fills socket.rooms one tick later).
//   - Emit/ack after the socket disconnected return ErrDisconnected
//     instead of still writing to a still-open engine session.
//   - Packets of a namespace are handled after its CONNECT in arrival
//     order: a packet that arrives in a later read batch while the
//     namespace's middlewares still run waits for them (1.7.3 drops it).
//     A packet in the same read batch (POST payload) as its CONNECT is
//     dropped, as in 1.7.3. socket.io clients never send before the
//     CONNECT reply.
//   - When the engine.io session ends, the client's packets still waiting
//     for handlers are dropped and its sockets leave their namespaces at
//     once (1.7.3 would still run the handlers of packets it had
//     received); disconnect handlers then run on the worker.
//   - Ack callbacks never time out in 1.7.3; EmitWithAck adds a context.
//   - Root-namespace sockets closed by Server.Close get reason "" (1.7.3:
//     undefined).
//   - Server-level proxies (io.emit, io.to ...) are Server.Sockets()
//     methods; the legacy set() options and the json flag are not offered.
//   - A panic in a handler is recovered and logged (the process survives).
package socketio
