package sioclient

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
)

// The minimal RFC 6455 client side used by WSConn: one fixed upgrade
// request, a response-header check, masked frame writing and unmasked
// frame reading. No extensions are offered, so the server's frames never
// have RSV bits set.

const (
	opCont   = 0x0
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xa

	keyLen    = 24 // base64 of 16 random bytes
	acceptLen = 28 // base64 of a SHA-1 sum
	wsGUID    = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
)

// CloseError is returned by WSConn.Read when the server sent a close frame.
type CloseError struct {
	Code   int // 1005 when the frame had no status code
	Reason string
}

func (e *CloseError) Error() string {
	return "sioclient: server closed the websocket: code " + strconv.Itoa(e.Code) + " " + strconv.Quote(e.Reason)
}

func parseClose(p []byte) (int, string) {
	if len(p) < 2 {
		return 1005, ""
	}
	return int(binary.BigEndian.Uint16(p)), string(p[2:])
}

// upgradeRequest returns the request around the Sec-WebSocket-Key value.
// The header set is what the previous net/http based client sent, so the
// server parses the same request as before.
func upgradeRequest(host, pathQuery string) (head, tail []byte) {
	head = []byte("GET " + pathQuery + " HTTP/1.1\r\nHost: " + host +
		"\r\nUser-Agent: Go-http-client/1.1\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ")
	tail = []byte("\r\nSec-WebSocket-Version: 13\r\nUpgrade: websocket\r\n\r\n")
	return head, tail
}

// newKey fills key with base64 of 16 random bytes. math/rand/v2's global
// source is a ChaCha8 generator seeded by the OS, so keys are unpredictable
// without a getrandom call per connection.
func newKey(key *[keyLen]byte) {
	var raw [16]byte
	binary.LittleEndian.PutUint64(raw[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(raw[8:], rand.Uint64())
	base64.StdEncoding.Encode(key[:], raw[:])
}

func acceptFor(key *[keyLen]byte) [acceptLen]byte {
	var in [keyLen + len(wsGUID)]byte
	copy(in[:], key[:])
	copy(in[keyLen:], wsGUID)
	sum := sha1.Sum(in[:])
	var out [acceptLen]byte
	base64.StdEncoding.Encode(out[:], sum[:])
	return out
}

// frameReader reads server frames through a fixed buffer. Payloads of
// complete frames that fit in the buffer are returned in place; fragmented
// or larger messages are assembled in msg.
type frameReader struct {
	c          io.Reader
	buf        []byte
	start, end int // unread bytes are buf[start:end]
	msg        []byte
	msgOp      byte // opcode of the fragmented message in progress, 0 if none
	max        int
	err        error // sticky: the stream position is lost after any error
}

func (r *frameReader) init(c io.Reader, size, max int) {
	r.c = c
	r.buf = make([]byte, size)
	r.max = max
}

// fill makes at least n (<= len(buf)) unread bytes available.
func (r *frameReader) fill(n int) error {
	if r.end-r.start >= n {
		return nil
	}
	if r.start == r.end {
		r.start, r.end = 0, 0
	} else if len(r.buf)-r.start < n {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
	}
	for r.end-r.start < n {
		k, err := r.c.Read(r.buf[r.end:])
		r.end += k
		if err != nil {
			if r.end-r.start >= n {
				return nil
			}
			if err == io.EOF && r.end > r.start {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

func protoErr(format string, args ...any) error {
	return fmt.Errorf("%w: websocket: "+format, append([]any{ErrProtocol}, args...)...)
}

// readUpgradeResponse reads the response headers into buf and checks them
// against key; bytes after the headers stay unread in buf.
func (r *frameReader) readUpgradeResponse(key *[keyLen]byte) error {
	r.start, r.end = 0, 0
	var hdrEnd int
	for {
		from := max(0, r.end-3)
		k, err := r.c.Read(r.buf[r.end:])
		r.end += k
		if i := bytes.Index(r.buf[from:r.end], crlfcrlf); i >= 0 {
			hdrEnd = from + i
			break
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("reading upgrade response: %w", err)
		}
		if r.end == len(r.buf) {
			return protoErr("upgrade response headers exceed %d bytes", len(r.buf))
		}
	}
	r.start = hdrEnd + 4
	return checkUpgrade(r.buf[:hdrEnd+2], key)
}

var (
	crlf     = []byte("\r\n")
	crlfcrlf = []byte("\r\n\r\n")
)

// checkUpgrade verifies the response head (status line and header lines,
// each ending in CRLF).
func checkUpgrade(head []byte, key *[keyLen]byte) error {
	i := bytes.Index(head, crlf)
	status := head[:i]
	head = head[i+2:]
	// "HTTP/1.1 101 Switching Protocols"
	if len(status) < 12 || !bytes.HasPrefix(status, []byte("HTTP/1.")) || status[8] != ' ' {
		return protoErr("bad upgrade response status line %q", clip(status))
	}
	if string(status[9:12]) != "101" {
		return protoErr("upgrade refused: %q", clip(status))
	}
	want := acceptFor(key)
	var upgrade, connection, accept bool
	for len(head) > 0 {
		i := bytes.Index(head, crlf)
		line := head[:i]
		head = head[i+2:]
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return protoErr("bad upgrade response header line %q", clip(line))
		}
		name, value := line[:colon], bytes.Trim(line[colon+1:], " \t")
		switch {
		case bytes.EqualFold(name, []byte("Upgrade")):
			upgrade = upgrade || hasToken(value, "websocket")
		case bytes.EqualFold(name, []byte("Connection")):
			connection = connection || hasToken(value, "upgrade")
		case bytes.EqualFold(name, []byte("Sec-WebSocket-Accept")):
			if string(value) != string(want[:]) {
				return protoErr("Sec-WebSocket-Accept %q does not match the key", clip(value))
			}
			accept = true
		case bytes.EqualFold(name, []byte("Sec-WebSocket-Extensions")):
			if len(value) > 0 {
				return protoErr("server chose extensions %q that were not offered", clip(value))
			}
		}
	}
	switch {
	case !upgrade:
		return protoErr("upgrade response lacks Upgrade: websocket")
	case !connection:
		return protoErr("upgrade response lacks Connection: upgrade")
	case !accept:
		return protoErr("upgrade response lacks Sec-WebSocket-Accept")
	}
	return nil
}

// hasToken reports whether the comma-separated list v holds tok
// (ASCII case-insensitive).
func hasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		var t []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			t, v = v[:i], v[i+1:]
		} else {
			t, v = v, nil
		}
		if bytes.EqualFold(bytes.Trim(t, " \t"), []byte(tok)) {
			return true
		}
	}
	return false
}

// next returns the next complete message or control frame. The payload is
// valid until the next call.
func (r *frameReader) next() (byte, []byte, error) {
	if r.err != nil {
		return 0, nil, r.err
	}
	op, p, err := r.readFrame()
	if err != nil {
		r.err = err
	}
	return op, p, err
}

func (r *frameReader) readFrame() (byte, []byte, error) {
	for {
		if err := r.fill(2); err != nil {
			if err == io.EOF && r.msgOp != 0 {
				err = io.ErrUnexpectedEOF
			}
			return 0, nil, err
		}
		b0, b1 := r.buf[r.start], r.buf[r.start+1]
		if b0&0x70 != 0 {
			return 0, nil, protoErr("reserved bits set in frame header %#02x (no extension was negotiated)", b0)
		}
		if b1&0x80 != 0 {
			return 0, nil, protoErr("masked frame from the server")
		}
		fin, op := b0&0x80 != 0, b0&0x0f
		hl, n := 2, uint64(b1&0x7f)
		switch n {
		case 126:
			hl = 4
		case 127:
			hl = 10
		}
		if err := r.fill(hl); err != nil {
			return 0, nil, unexpected(err)
		}
		switch hl {
		case 4:
			n = uint64(binary.BigEndian.Uint16(r.buf[r.start+2:]))
		case 10:
			n = binary.BigEndian.Uint64(r.buf[r.start+2:])
			if n>>63 != 0 {
				return 0, nil, protoErr("frame length %#x has the top bit set", n)
			}
		}
		switch op {
		case opClose, opPing, opPong:
			if !fin || n > 125 {
				return 0, nil, protoErr("control frame %#x fragmented or longer than 125 bytes", op)
			}
			if err := r.fill(hl + int(n)); err != nil {
				return 0, nil, unexpected(err)
			}
			p := r.buf[r.start+hl : r.start+hl+int(n)]
			r.start += hl + int(n)
			return op, p, nil
		case opText, opBinary:
			if r.msgOp != 0 {
				return 0, nil, protoErr("new message (opcode %#x) inside a fragmented one", op)
			}
		case opCont:
			if r.msgOp == 0 {
				return 0, nil, protoErr("continuation frame without a message")
			}
		default:
			return 0, nil, protoErr("unknown opcode %#x", op)
		}
		have := 0
		if r.msgOp != 0 {
			have = len(r.msg)
		}
		if n > uint64(r.max-have) {
			return 0, nil, fmt.Errorf("%w: %d+%d bytes, limit %d", ErrTooLarge, have, n, r.max)
		}
		// Common case: one whole frame in the buffer, returned in place.
		if fin && r.msgOp == 0 && uint64(hl)+n <= uint64(len(r.buf)) {
			if err := r.fill(hl + int(n)); err != nil {
				return 0, nil, unexpected(err)
			}
			p := r.buf[r.start+hl : r.start+hl+int(n)]
			r.start += hl + int(n)
			return op, p, nil
		}
		if r.msgOp == 0 {
			r.msgOp = op
			r.msg = r.msg[:0]
		}
		r.start += hl
		avail := min(int(n), r.end-r.start)
		r.msg = append(r.msg, r.buf[r.start:r.start+avail]...)
		r.start += avail
		if rest := int(n) - avail; rest > 0 {
			l := len(r.msg)
			r.msg = append(r.msg, make([]byte, rest)...)
			if _, err := io.ReadFull(r.c, r.msg[l:]); err != nil {
				return 0, nil, unexpected(err)
			}
		}
		if fin {
			op := r.msgOp
			r.msgOp = 0
			return op, r.msg, nil
		}
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendFrame appends one masked, final client frame. The mask key comes
// from math/rand/v2 (ChaCha8): masking guards intermediaries, not secrets.
func appendFrame(dst []byte, op byte, payload []byte) []byte {
	n := len(payload)
	dst = append(dst, 0x80|op)
	switch {
	case n <= 125:
		dst = append(dst, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x80|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	key := rand.Uint32()
	dst = binary.LittleEndian.AppendUint32(dst, key)
	start := len(dst)
	dst = append(dst, payload...)
	maskBytes(dst[start:], key)
	return dst
}

// maskBytes XORs p with the 4-byte key (as laid out on the wire,
// little-endian in key) repeated.
func maskBytes(p []byte, key uint32) {
	k8 := uint64(key) | uint64(key)<<32
	i := 0
	for ; i+8 <= len(p); i += 8 {
		binary.LittleEndian.PutUint64(p[i:], binary.LittleEndian.Uint64(p[i:])^k8)
	}
	for ; i < len(p); i++ {
		p[i] ^= byte(key >> (8 * (i & 3)))
	}
}

// Write buffers are pooled: connections write rarely and briefly, so a
// buffer per connection would be idle memory.
var writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func getWriteBuf() *[]byte { return writeBufs.Get().(*[]byte) }

func putWriteBuf(b *[]byte) {
	if cap(*b) <= 64<<10 {
		writeBufs.Put(b)
	}
}
