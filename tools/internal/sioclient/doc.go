// Package sioclient is a minimal, allocation-conscious engine.io v3 /
// socket.io protocol-4 client used by the load generator (tools/cmd/loadgen).
//
// It speaks only what a benchmark needs: the handshake (open packet, the
// root or one named namespace's CONNECT), client pings, EVENT packets with or
// without an ack id, and reading ACK / EVENT packets back, over WebSocket
// (one engine.io packet per frame) and over XHR polling (string payloads when
// B64 is set, binary payloads otherwise). It is not a general socket.io
// client: no reconnection, no binary attachments, no upgrade from polling.
//
// WebSocket is a minimal RFC 6455 client written for low CPU per connect
// (the connect and churn scenarios measure the server's connect rate, and
// the generator shares the machine): one precomputed upgrade request on a
// raw TCP connection, the response checked (101, Upgrade, Connection,
// Sec-WebSocket-Accept; no extensions are offered or accepted), frames read
// through one fixed buffer per connection (default 2 KiB; a complete frame
// that fits is returned in place, fragmented or larger messages are
// assembled), masked frames written from a shared pool of buffers. Server
// pings are answered with pongs inside Read; a close frame is echoed and
// Read returns a *CloseError. Masked, compressed (RSV bits) or malformed
// server frames fail with ErrProtocol; the stream is unusable after any
// read error (errors are sticky).
//
// Concurrency: a WSConn may be written from several goroutines (writes are
// serialised by a mutex, so a heartbeat goroutine can ping while a worker
// writes), but must be read by one goroutine only. A PollConn is used by one
// goroutine. Dialer and Heartbeat are safe for concurrent use.
//
// Buffers: bytes returned by WSConn.Read and passed to PollConn.Get callbacks
// alias internal buffers and are valid only until the next read on the same
// connection. Bytes passed to Write/Post are not retained after the call.
//
// Limits: a received message larger than MaxMessage (default 1 MiB) closes
// the connection with an error.
package sioclient
