package packet

import (
	"strconv"
	"unicode/utf8"
)

// maxLengthDigits is the longest length field engine.io-parser 1.3.2 accepts
// in a binary payload: it stops with an error when a 312th digit follows
// (its "310 = char length of Number.MAX_VALUE" check runs before appending).
const maxLengthDigits = 311

// AppendStringPayload appends the string-payload encoding of ps exactly as it
// goes on the wire ("<len>:<packet>..."), as engine.io-parser 1.3.2 produces
// it: len is the UTF-8 byte count of the packet's text, and every packet byte
// >= 0x80 is written as the two-byte UTF-8 sequence of the character U+0080..
// U+00FF (the body is double-UTF-8 encoded). Binary packets become
// "b<type><base64>". An empty list encodes as "0:".
func AppendStringPayload(dst []byte, ps []Packet) []byte {
	if len(ps) == 0 {
		return append(dst, '0', ':')
	}
	for _, p := range ps {
		dst = strconv.AppendInt(dst, int64(TextLen(p)), 10)
		dst = append(dst, ':')
		if p.Binary {
			dst = AppendText(dst, p)
			continue
		}
		dst = appendType(dst, p.Type)
		dst = appendLatin1(dst, p.Data)
	}
	return dst
}

// appendLatin1 writes each byte of b as the UTF-8 encoding of the character
// with that code (U+0000..U+00FF).
func appendLatin1(dst, b []byte) []byte {
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] < utf8.RuneSelf {
			i++
		}
		dst = append(dst, b[:i]...)
		b = b[i:]
		for len(b) > 0 && b[0] >= utf8.RuneSelf {
			dst = append(dst, 0xC0|b[0]>>6, 0x80|b[0]&0x3F)
			b = b[1:]
		}
	}
	return dst
}

func countHigh(b []byte) int {
	n := 0
	for _, c := range b {
		if c >= utf8.RuneSelf {
			n++
		}
	}
	return n
}

func decimalLen(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

// StringPayloadLen returns len(AppendStringPayload(nil, ps)) without
// encoding (for Content-Length and compression thresholds).
func StringPayloadLen(ps []Packet) int {
	if len(ps) == 0 {
		return 2
	}
	total := 0
	for _, p := range ps {
		n := TextLen(p)
		total += decimalLen(n) + 1 + n
		if !p.Binary {
			total += countHigh(p.Data)
		}
	}
	return total
}

// AppendBinaryPayload appends the binary-payload encoding of ps: per packet a
// kind byte (0 text, 1 binary), the decimal digits of the packet length as
// byte values 0..9, 0xFF, then the packet: for text packets the ASCII type
// digit and the data (single UTF-8), for binary packets the numeric type byte
// and the data. An empty list encodes as nothing.
func AppendBinaryPayload(dst []byte, ps []Packet) []byte {
	for _, p := range ps {
		n := 1 + len(p.Data)
		kind := byte(0)
		if p.Binary {
			kind = 1
		} else if p.Type >= 10 {
			n = TextLen(p)
		}
		dst = append(dst, kind)
		dst = appendDigitBytes(dst, n)
		dst = append(dst, 0xFF)
		if p.Binary {
			dst = AppendBinary(dst, p)
		} else {
			dst = AppendText(dst, p)
		}
	}
	return dst
}

func appendDigitBytes(dst []byte, n int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte(n % 10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(dst, tmp[i:]...)
}

// BinaryPayloadLen returns len(AppendBinaryPayload(nil, ps)) without encoding.
func BinaryPayloadLen(ps []Packet) int {
	total := 0
	for _, p := range ps {
		n := 1 + len(p.Data)
		if !p.Binary && p.Type >= 10 {
			n = TextLen(p)
		}
		total += 1 + decimalLen(n) + 1 + n
	}
	return total
}

// DecodeStringPayload decodes a string payload as it arrives on the wire (a
// polling POST body without Content-Type application/octet-stream, or the
// result of DecodeJSONPForm) and calls fn for each packet in order.
//
// Rules (engine.io-parser 1.3.2 + engine.io 1.8.3 polling): an empty body is
// an error; lengths are plain decimal (leading zeros allowed) counting
// characters, each of which must be U+0000..U+00FF and stands for one byte;
// those bytes must be valid UTF-8 (encoded surrogates tolerated, as WTF-8) and
// form a text packet (DecodeText rules, "b" packets included); a "0:" entry is
// skipped; after a Close packet has been delivered decoding stops and the rest
// of the body is ignored (nil is returned). On a malformed entry it returns an
// *Error (errors.Is ErrParse) — packets before it have been delivered. If fn
// returns an error, decoding stops and that error is returned unchanged.
//
// Data of delivered packets aliases body when the entry is ASCII, otherwise a
// buffer allocated for this call; it stays valid as long as body is not
// modified. Use a Decoder to reuse that buffer across calls.
func DecodeStringPayload(body []byte, fn func(Packet) error) error {
	var scratch []byte
	return decodeStringPayload(body, &scratch, fn)
}

// Decoder decodes string payloads reusing one scratch buffer, so that
// decoding non-ASCII payloads does not allocate once it has warmed up.
// Packet Data delivered by d is valid only until the next call on d.
// A Decoder must not be used concurrently; the zero value is ready to use.
type Decoder struct {
	buf []byte
}

// DecodeStringPayload is DecodeStringPayload with d's scratch buffer.
func (d *Decoder) DecodeStringPayload(body []byte, fn func(Packet) error) error {
	d.buf = d.buf[:0]
	return decodeStringPayload(body, &d.buf, fn)
}

const fmtString = "string payload"

func decodeStringPayload(body []byte, scratch *[]byte, fn func(Packet) error) error {
	if len(body) == 0 {
		return perr(fmtString, 0, "empty payload")
	}
	i := 0
	for i < len(body) {
		// Length field.
		start := i
		n := 0
		for i < len(body) && body[i] != ':' {
			c := body[i]
			if c < '0' || c > '9' {
				return perr(fmtString, i, "invalid character "+strconv.QuoteRune(rune(c))+" in packet length")
			}
			if n <= len(body) { // saturate: any larger length fails below anyway
				n = n*10 + int(c-'0')
			}
			i++
		}
		if i == len(body) {
			return perr(fmtString, start, "trailing data without a packet")
		}
		if i == start {
			return perr(fmtString, i, "empty packet length")
		}
		i++ // ':'
		// The packet: n characters U+0000..U+00FF, each one byte.
		entry := i
		j, count, ascii := i, 0, true
		for count < n && j < len(body) {
			c := body[j]
			switch {
			case c < utf8.RuneSelf:
				j++
			case (c == 0xC2 || c == 0xC3) && j+1 < len(body) && body[j+1]&0xC0 == 0x80:
				j += 2
				ascii = false
			default:
				return perr(fmtString, j, "character outside U+0000..U+00FF or invalid UTF-8")
			}
			count++
		}
		if count < n {
			return perr(fmtString, start, "packet length "+strconv.Itoa(n)+" exceeds the remaining "+strconv.Itoa(count)+" characters")
		}
		i = j
		if n == 0 {
			continue
		}
		var inner []byte
		if ascii {
			inner = body[entry:j:j]
		} else {
			if *scratch == nil {
				*scratch = make([]byte, 0, len(body)-entry)
			}
			s := len(*scratch)
			for k := entry; k < j; k++ {
				c := body[k]
				if c >= utf8.RuneSelf {
					k++
					c = c<<6 | body[k]&0x3F
				}
				*scratch = append(*scratch, c)
			}
			e := len(*scratch)
			inner = (*scratch)[s:e:e]
		}
		p, err := decodeEntry(inner, fmtString, entry)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		if p.Type == Close {
			// engine.io 1.8.3's polling transport stops reading the payload
			// at a close packet and closes the transport.
			return nil
		}
	}
	return nil
}

// decodeEntry decodes the byte string of a payload text entry: WTF-8
// validation (skipped for base64 packets, as in the reference) then the text
// packet rules.
func decodeEntry(b []byte, format string, off int) (Packet, error) {
	if len(b) > 0 && b[0] != 'b' {
		if bad := invalidWTF8(b); bad >= 0 {
			return Packet{}, perr(format, off, "invalid UTF-8 in packet at byte "+strconv.Itoa(bad))
		}
	}
	return decodeText(b, format, off)
}

// invalidWTF8 returns the index of the first byte that does not start a
// valid UTF-8 sequence, or -1. Surrogate code points encoded as three bytes
// (ED A0..BF 80..BF) are accepted like the wtf-8 module does.
func invalidWTF8(b []byte) int {
	i := 0
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			if c == 0xED && i+2 < len(b) && b[i+1] >= 0xA0 && b[i+1] <= 0xBF && b[i+2]&0xC0 == 0x80 {
				i += 3
				continue
			}
			return i
		}
		i += size
	}
	return -1
}

const fmtBinary = "binary payload"

// DecodeBinaryPayload decodes a binary payload (a polling POST body with
// Content-Type exactly application/octet-stream) and calls fn for each packet
// in order.
//
// The framing of the whole body is checked first, as engine.io-parser 1.3.2
// splits it before delivering anything: every entry needs a kind byte, 1 to
// 311 digit bytes (values 0..9) and 0xFF, else nothing is delivered and an
// *Error is returned. An entry length beyond the end of the body is silently
// truncated. Kind 0 entries are text packets (single UTF-8, validated as in
// DecodeStringPayload), any other kind is a binary packet (DecodeBinary). A
// bad entry returns an *Error after the entries before it were delivered. A
// Close packet does not stop decoding. If fn returns an error, decoding stops
// and that error is returned unchanged.
//
// Data aliases body (except for "b" base64 entries) and is valid as long as
// body is not modified.
func DecodeBinaryPayload(body []byte, fn func(Packet) error) error {
	// Pass 1: framing.
	for i := 0; i < len(body); {
		_, next, err := binaryEntry(body, i)
		if err != nil {
			return err
		}
		i = next
	}
	// Pass 2: delivery.
	for i := 0; i < len(body); {
		data, next, _ := binaryEntry(body, i)
		var p Packet
		if body[i] == 0 {
			var err error
			p, err = decodeEntry(data, fmtBinary, next-len(data))
			if err != nil {
				return err
			}
		} else {
			p, _ = DecodeBinary(data)
		}
		if err := fn(p); err != nil {
			return err
		}
		i = next
	}
	return nil
}

// binaryEntry parses the entry starting at body[i] and returns its packet
// bytes and the offset of the next entry.
func binaryEntry(body []byte, i int) (data []byte, next int, err error) {
	j := i + 1
	n := 0
	for {
		if j == len(body) {
			return nil, 0, perr(fmtBinary, i, "entry length not terminated by 0xFF")
		}
		c := body[j]
		if c == 0xFF {
			break
		}
		if j-i-1 == maxLengthDigits {
			return nil, 0, perr(fmtBinary, i, "entry length longer than 311 digits")
		}
		if c > 9 {
			return nil, 0, perr(fmtBinary, j, "entry length digit byte "+strconv.Itoa(int(c))+" is not 0..9")
		}
		if n <= len(body) {
			n = n*10 + int(c)
		}
		j++
	}
	if j == i+1 {
		return nil, 0, perr(fmtBinary, j, "entry without length digits")
	}
	start := j + 1
	end := len(body)
	if n < end-start {
		end = start + n
	}
	return body[start:end:end], end, nil
}
