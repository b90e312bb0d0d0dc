package wsconn

import (
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
)

// WebSocket opcodes of the data frames WriteFrame writes.
const (
	OpText   byte = 1
	OpBinary byte = 2
)

// ErrCloseSent is returned by WriteFrame once a close frame has been
// written on the connection: no data frame may follow it (RFC 6455 §5.5.1),
// as gorilla refuses messages after its own close.
var ErrCloseSent = errors.New("wsconn: close frame sent")

// MaxFrameHeader is the size of the largest unmasked frame header.
const MaxFrameHeader = 10

// AppendFrameHeader appends the header of one final, unmasked,
// uncompressed frame (a server frame) with opcode op and a payload of n
// bytes.
func AppendFrameHeader(dst []byte, op byte, n int) []byte {
	switch {
	case n <= 125:
		return append(dst, 0x80|op, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(dst, 0x80|op, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, 0x80|op, 127), uint64(n))
	}
}

// WriteFrame writes one complete, unfragmented, uncompressed server frame
// whose payload is prefix followed by data, without the WebSocket library:
// corked, it is appended to the cork buffer (one copy of data); uncorked it
// leaves in one writev. The frame is written under the connection's lock,
// so it never interleaves with another whole-frame write (gorilla's
// control frames); the caller is the connection's only message writer, so
// it cannot split a fragmented message gorilla writes either. A write
// deadline set by a control frame (gorilla sets one per frame) is cleared
// first, as gorilla clears it before each message frame; Expire's stays.
func (c *Conn) WriteFrame(op byte, prefix, data []byte) error {
	if c.dlSet.Load() {
		_ = c.SetWriteDeadline(time.Time{})
	}
	var hb [MaxFrameHeader]byte
	n := len(prefix) + len(data)
	h := AppendFrameHeader(hb[:0], op, n)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	if c.closeSent {
		return ErrCloseSent
	}
	if c.corked {
		b := append(append(*c.buf, h...), prefix...)
		if len(b)+len(data) <= corkLimit {
			*c.buf = append(b, data...)
			return nil
		}
		bufs := net.Buffers{b, data}
		_, err := bufs.WriteTo(c.Conn)
		*c.buf = b[:0]
		if err != nil {
			c.err = err
		}
		return err
	}
	// Header and prefix are copied so that they stay on the caller's stack
	// (only data goes to the writev).
	hp := append(append(make([]byte, 0, len(h)+len(prefix)), h...), prefix...)
	bufs := net.Buffers{hp, data}
	if _, err := bufs.WriteTo(c.Conn); err != nil {
		c.err = err
		return err
	}
	return nil
}

// Deflate reports whether permessage-deflate may have been negotiated on
// the connection (the client offered it and the server enables it). When
// false, no message is compressed, so every message can go to WriteFrame.
func (c *Conn) Deflate() bool { return c.deflate }

// offersDeflate reports whether a handshake offers permessage-deflate. It
// errs on the side of true (a case-insensitive substring match), which only
// sends a message through the WebSocket library when that was not needed.
func offersDeflate(hdr http.Header) bool {
	for _, v := range hdr.Values("Sec-Websocket-Extensions") {
		if strings.Contains(strings.ToLower(v), "permessage-deflate") {
			return true
		}
	}
	return false
}

// isCloseFrame reports whether p, one Write call, is a whole unmasked close
// frame as gorilla's WriteControl writes it (FIN|close, a payload of at
// most 125 bytes, in one Write). Message frames never start with 0x88 and
// the payload chunks gorilla writes separately are larger than a control
// frame, so nothing else matches.
func isCloseFrame(p []byte) bool {
	return len(p) >= 2 && p[0] == 0x88 && p[1] <= 125 && len(p) == 2+int(p[1])
}

// LibraryMessage marks a message write through the WebSocket library as
// in progress (on) or done (off), so that its payload chunks are never
// taken for a close frame.
func (c *Conn) LibraryMessage(on bool) {
	c.mu.Lock()
	c.inLib = on
	c.mu.Unlock()
}
