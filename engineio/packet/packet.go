package packet

import (
	"encoding/base64"
	"errors"
	"strconv"
)

// Type is an engine.io packet type. Values above Noop are unknown types: the
// decoders still return them (engine.io 1.8.3 ignores such packets but counts
// them as activity for the ping timer), the server must not act on them.
type Type byte

// The engine.io protocol revision 3 packet types.
const (
	Open    Type = 0
	Close   Type = 1
	Ping    Type = 2
	Pong    Type = 3
	Message Type = 4
	Upgrade Type = 5
	Noop    Type = 6

	// Unknown is what DecodeText returns for a "b<type><base64>" packet whose
	// type character is not '0'..'6', and DecodeBinary for an empty input.
	Unknown Type = 255
)

var typeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// Valid reports whether t is one of Open..Noop.
func (t Type) Valid() bool { return t <= Noop }

// String returns the engine.io name of t ("message"), or "unknown(N)".
func (t Type) String() string {
	if t.Valid() {
		return typeNames[t]
	}
	return "unknown(" + strconv.Itoa(int(t)) + ")"
}

// Packet is one engine.io packet.
type Packet struct {
	Type Type
	// Data is the packet data: UTF-8 text for text packets, raw bytes for
	// binary ones. nil means "no data" (a message encoded as just "4"); a
	// decoded binary packet always has non-nil Data.
	Data []byte
	// Binary marks Data as binary: it travels as a WebSocket binary frame,
	// a binary payload entry with kind byte 1, or "b<type><base64>" text.
	Binary bool
}

// ErrParse is matched (errors.Is) by every decoding error of this package.
var ErrParse = errors.New("packet: parse error")

// Error is the error returned by the decoders: what was being decoded, where
// it broke (byte offset into the decoder's input) and why.
type Error struct {
	Format string // "text packet", "string payload", "binary payload", "jsonp", ...
	Offset int    // byte offset in the input given to the decoder
	Reason string
}

func (e *Error) Error() string {
	return "packet: parse error in " + e.Format + " at offset " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// Is makes errors.Is(err, ErrParse) true.
func (e *Error) Is(target error) bool { return target == ErrParse }

func perr(format string, off int, reason string) error {
	return &Error{Format: format, Offset: off, Reason: reason}
}

// appendType writes t as its decimal text form (one digit for valid types).
func appendType(dst []byte, t Type) []byte {
	if t < 10 {
		return append(dst, '0'+byte(t))
	}
	return strconv.AppendUint(dst, uint64(t), 10)
}

// AppendText appends the text encoding of p to dst: "4hello", "3", or, for a
// binary packet, "b4" followed by standard padded base64 ("b4AQID"). The type
// is not validated; text Data is copied as is and should be valid UTF-8.
func AppendText(dst []byte, p Packet) []byte {
	if p.Binary {
		dst = append(dst, 'b')
		dst = appendType(dst, p.Type)
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = appendType(dst, p.Type)
	return append(dst, p.Data...)
}

// TextLen returns len(AppendText(nil, p)) without encoding.
func TextLen(p Packet) int {
	n := 1
	if p.Type >= 10 {
		n = len(strconv.Itoa(int(p.Type)))
	}
	if p.Binary {
		return 1 + n + base64.StdEncoding.EncodedLen(len(p.Data))
	}
	return n + len(p.Data)
}

// AppendBinary appends the binary encoding of p (a WebSocket binary frame):
// one byte holding the numeric type (0x04 for a message, not '4'), then Data.
func AppendBinary(dst []byte, p Packet) []byte {
	dst = append(dst, byte(p.Type))
	return append(dst, p.Data...)
}

// DecodeText decodes one text-encoded packet (a WebSocket text frame).
//
// "<digit><data>": the digit must be '0'..'6'; Data aliases b[1:], or is nil
// when there is no data. "b<type><base64>": a binary packet; Data is a new
// slice; base64 is decoded as leniently as Node's Buffer (both alphabets,
// optional padding, other characters skipped, decoding stops at '='); a type
// character other than '0'..'6' gives Type Unknown, not an error, as in
// engine.io-parser 1.3.2. UTF-8 validity of the data is not checked.
func DecodeText(b []byte) (Packet, error) {
	return decodeText(b, "text packet", 0)
}

func decodeText(b []byte, format string, off int) (Packet, error) {
	if len(b) == 0 {
		return Packet{}, perr(format, off, "empty packet")
	}
	c := b[0]
	if c == 'b' {
		t := Unknown
		var data []byte
		if len(b) > 1 {
			if b[1] >= '0' && b[1] <= '6' {
				t = Type(b[1] - '0')
			}
			data = decodeBase64Lenient(b[2:])
		} else {
			data = []byte{}
		}
		return Packet{Type: t, Data: data, Binary: true}, nil
	}
	if c < '0' || c > '6' {
		return Packet{}, perr(format, off, "invalid packet type "+strconv.QuoteRune(rune(c)))
	}
	p := Packet{Type: Type(c - '0')}
	if len(b) > 1 {
		p.Data = b[1:len(b):len(b)]
	}
	return p, nil
}

// DecodeBinary decodes one binary-encoded packet (a WebSocket binary frame):
// first byte = numeric type, Data aliases the rest (non-nil, maybe empty).
// A first byte above 6 yields that unknown Type without error; an empty
// input yields Type Unknown (engine.io 1.8.3 ignores both silently).
func DecodeBinary(b []byte) (Packet, error) {
	if len(b) == 0 {
		return Packet{Type: Unknown, Data: []byte{}, Binary: true}, nil
	}
	return Packet{Type: Type(b[0]), Data: b[1:len(b):len(b)], Binary: true}, nil
}

// base64 alphabet values for Node's lenient decoder: both the standard and
// the URL-safe alphabet; 0xFF = skipped character.
var b64val = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'] = 62
	t['_'] = 63
	return t
}()

// decodeBase64Lenient mirrors Node's Buffer.from(s, "base64"): characters
// outside both alphabets are skipped, '=' ends the input, a trailing group of
// 2 or 3 characters yields 1 or 2 bytes, a lone trailing character nothing.
func decodeBase64Lenient(s []byte) []byte {
	out := make([]byte, 0, len(s)*3/4+2)
	var acc uint32
	n := 0
	for _, c := range s {
		if c == '=' {
			break
		}
		v := b64val[c]
		if v == 0xFF {
			continue
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch n {
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return out
}
