// Package recording reads and writes the wire recordings of conformance
// runs (conformance/testdata/<layer>/<case>.jsonl) and extracts the
// engine.io packets they contain.
//
// A recording is JSON lines: a meta line, then one event per line in wire
// order (http_request, http_response, ws_frame, tcp_close), each with seq
// (consecutive from 0), t_ms and conn. Bodies and frame data are standard
// base64; headers keep wire order and case. Reader validates every line and
// reports errors as "recording: <name>:<line>: ...". Unknown fields are
// ignored (so recorders may add some), unknown kinds are errors.
//
// Payloads turns HTTP bodies and WebSocket frames into engine.io packets:
// POST bodies by Content-Type (application/octet-stream = binary payload,
// JSONP requests = form field d, otherwise string payload), GET responses by
// Content-Type after undoing Content-Encoding gzip/deflate, JSONP responses
// unwrapped from ___eio[n]("..."); (or the Buffer-object form of sessions
// without b64), WebSocket text/binary frames as single packets. Requests
// are recognised as engine.io requests by their transport query parameter;
// JSONP by the j parameter.
//
// Nothing here is safe for concurrent use except the pure functions;
// decoded values own their memory (nothing aliases a Reader's buffers).
// The package uses only the standard library and engineio/packet.
package recording
