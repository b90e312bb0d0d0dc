// Package replay plays the client side of a wire recording
// (conformance/recording) against a live engine.io 3 / socket.io 1.x
// server and compares everything the server sends with what the reference
// server (engine.io 1.8.3 / socket.io 1.7.3) sent when the recording was
// made.
//
// # How a replay runs
//
// Every recorded TCP connection becomes one live connection, dialled at its
// first request; requests are written byte for byte (raw HTTP/1.1, so
// keep-alive connections, odd methods and malformed requests replay as
// recorded), WebSocket frames are written masked, with permessage-deflate
// when the recording marks them compressed and the live server negotiated
// it (Go's flate keeps the context like ws 1.1.2 does unless the server
// asked for client_no_context_takeover). A reader goroutine per connection
// parses responses and frames (inflating server messages, with context
// takeover) into a list of live events.
//
// Causal order: client events are issued in recorded seq order, and before
// client event k the replay waits until every server event recorded before
// k has arrived on its connection (matched by position per connection), or
// its connection ended, or EventTimeout (plus twice the recorded gap)
// passed. A parked long-poll GET whose answer was recorded after k does not
// hold the replay up. Pacing: the recorded gap between event k and the last
// event recorded before it is kept (measured from when that event happened
// live), so server timers see the silences they saw when recording (ping
// timeouts with the recording's PING_* meta, the upgrade noop). Spacing
// keeps client events on different connections at least 20ms apart, so the
// server receives them in recorded order. The whole replay is bounded by
// Timeout; nothing waits without a deadline.
//
// Session ids: recorded sids are learned from recorded open packets, live
// ones from the live open packets at the same position, and substituted
// recorded->live in request URLs, headers (Cookie) and client bodies/text
// frames, and live->recorded in everything the server sent before
// comparing (URLs, Set-Cookie, bodies, socket.io ids such as "/chat#<sid>"
// and the handshake ack's id). The t= cache buster is sent as recorded.
//
// # What is compared
//
// Per recorded server event, against the live event at the same position
// on the same connection: the kind (response, frame, close); HTTP status;
// headers (names case-insensitively, order ignored, values exactly after
// sid substitution); bodies at the engine.io packet level (payloads decoded
// with the codec after undoing Content-Encoding; format, packet types,
// binary flags and data) and byte for byte (after sid substitution; a
// mismatch says "bytes (packets equal)" when only the encoding differs);
// WebSocket opcode, whether the server compressed the message, and data
// (packets and bytes, close frames by their status bytes). Live events the
// recording does not have are "unexpected". On WebSocket connections one
// extra or one missing frame is recognised (the next pair matches) and
// reported once instead of shifting every later pair; a wait that timed
// out is not repeated for the same missing events.
//
// Normalisation rules (everything else is compared exactly):
//
//   - H1: Date, Connection, Keep-Alive, Transfer-Encoding and Server headers
//     are ignored (HTTP-stack details).
//   - H2: when the reference used chunked encoding (no Content-Length, e.g.
//     JSON error responses), the live Content-Length is not compared.
//   - H3: Content-Length is not compared for compressed bodies (compressed
//     sizes depend on the compressor; bodies are compared decompressed) and
//     when live sids differ in length from recorded ones.
//   - B1: bodies are compared after undoing gzip/deflate; whether the server
//     compressed is compared through Content-Encoding (HTTP) or RSV1 (WS).
//   - B2: JSONP responses carrying a JSON-serialised Node Buffer spell the
//     sid as decimal bytes; their unwrapped binary payload is compared.
//   - C1: after "Connection: close" either side may close TCP first; after a
//     WebSocket close handshake the server closing TCP is always expected.
//   - S1 (socket.io recordings, message packets): "rss":<n> (contract stats),
//     "issued":<n>, "time":"..." and "address":"..." (handshake fields) are
//     replaced by placeholders on both sides; numeric "heap" and
//     "goroutines" keys right after "rss" (process metrics both test apps
//     add to the stats ack for the benchmarks) are dropped.
//   - S2 (socket.io): a JSON array of strings mentioning a session id (the
//     contract's sorted clients / rooms lists) is sorted after sid
//     substitution, since the reference sorted by its own random ids.
//
// Payloads a rule S1/S2 rewrote are compared at packet level only.
//
// Recordings whose outcome depends on timing the replay cannot reproduce
// are skipped (Case.Skip: meta "replay_skip" or the built-in list, see
// SkipList); single recorded server events whose outcome depended on a
// race between connections are tolerated (Case.Tolerate, reported as
// accepted mismatches). Options.Accept takes documented deliberate
// deviations of a server (FastsioDeviations for fastsio's).
//
// # Concurrency and limits
//
// Replay may be called concurrently for different recordings; a Report is
// owned by the caller. Bodies, messages and frames are limited to 64 MiB.
// StartProcess runs servers that follow the contract's process rules
// (PORT=0, "listening <port>", SIGTERM).
package replay
