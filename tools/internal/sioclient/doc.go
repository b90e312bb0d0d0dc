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
