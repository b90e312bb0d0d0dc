// Package packet is the engine.io protocol revision 3 codec, byte-compatible
// with engine.io-parser 1.3.2 as used by engine.io 1.8.3 (socket.io 1.7.3).
// It has no dependencies beyond the standard library and does no I/O.
//
// # Formats
//
//   - Single packets: AppendText/DecodeText ("4hello", "b4AQID") for
//     WebSocket text frames, AppendBinary/DecodeBinary (type byte + data)
//     for WebSocket binary frames.
//   - String payloads ("6:4hello"): polling bodies of b64 sessions and client
//     POSTs without Content-Type application/octet-stream. As in 1.3.2 the
//     length counts the UTF-8 bytes of the packet text and the body is
//     double-UTF-8 encoded: every packet byte >= 0x80 travels as the UTF-8
//     encoding of U+0080..U+00FF ("é" is "3:4" c3 83 c2 a9). This is not the
//     upstream protocol document's "characters" rule; it is what 1.x clients
//     really send and expect.
//   - Binary payloads (kind byte, length digits as byte values 0..9, 0xFF,
//     packet): GET responses of sessions without b64 and POSTs with
//     Content-Type application/octet-stream.
//   - JSONP: AppendJSONP wraps a string payload in ___eio[n]("...");
//     DecodeJSONPForm extracts it from a form POST (d=...), ParseJSONP unwraps
//     a response (for tools).
//
// # Buffers and lifetimes
//
// Append* functions append to the caller's slice and return it (pass a
// reused buffer to avoid allocation); *Len functions give the exact size in
// advance. Decoders never modify their input. Decoded Packet.Data aliases
// the input wherever the wire bytes equal the packet bytes (ASCII string
// payload entries, binary payload entries, single packets); it is a fresh
// slice for base64 ("b4...") packets and for non-ASCII string payload
// entries (one buffer per call, or the Decoder's reusable buffer, valid
// until its next call). Callers that keep Data beyond the input's lifetime
// must copy it.
//
// # Concurrency
//
// All functions are safe for concurrent use; a Decoder is not.
//
// # Errors
//
// Decoding errors are *Error values carrying the format, the byte offset in
// the decoder's input and a reason; errors.Is(err, ErrParse) matches all of
// them. engine.io closes a session with reason "parse error" on any of them.
// Payload decoders deliver packets as they go: on error, the packets before
// the bad one have been delivered (the binary payload decoder checks the
// framing of the whole body first, as the reference does). Packets of an
// unknown type (a binary frame starting with a byte above 6, "b9...") decode
// without error; the caller ignores them (Type.Valid).
//
// # Differences from engine.io-parser 1.3.2
//
// Inputs the reference accepts only by JavaScript accident are rejected:
// string payload lengths must be ASCII digits (the reference's loose number
// comparison also takes " 3", "0x3", "3e0"); string payload characters above
// U+00FF and invalid outer UTF-8 are errors (the reference keeps the low
// eight bits of such a character, or of U+FFFD); binary payload length bytes
// must be 0..9 and at least one (the reference concatenates the decimal text
// of larger bytes and misaligns, usually ending in an error). The 311-digit
// limit of binary payload lengths is kept. Go strings cannot hold lone UTF-16
// surrogates, so the encoders never produce the 3-byte WTF-8 sequences the
// reference writes for them; the decoders accept such sequences (ED A0..BF
// xx) and pass them through in Data unchanged, where the reference would
// hold a lone surrogate. DecodeText does not validate UTF-8 (WebSocket text
// frames are validated by the WebSocket layer); payload entries are
// validated because the reference WTF-8-decodes them.
//
// The close-packet rule of string payloads (decoding stops after a Close
// packet) belongs to engine.io's polling transport rather than to the
// parser; it is applied here so that every caller gets it right.
package packet
