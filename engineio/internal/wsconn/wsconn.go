// Package wsconn adapts a connection hijacked from fasthttp to the
// github.com/fasthttp/websocket (gorilla) server API, and adds write corking:
// between Cork and Uncork every write is gathered into one pooled buffer, so
// a burst of WebSocket frames reaches the kernel in one write call.
package wsconn

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
)

// corkLimit is the buffered size at which a corked connection writes out
// early; bigger single writes go straight to the socket after the buffered
// bytes (one writev).
const corkLimit = 32 << 10

var corkPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Conn is a net.Conn whose writes can be corked. Read and the deadline
// methods go to the wrapped connection. Safe for concurrent use.
type Conn struct {
	net.Conn
	mu     sync.Mutex
	corked bool
	buf    *[]byte
	err    error // sticky write error
	// closeSent: a close frame went out, WriteFrame refuses data frames.
	// inLib: the library is writing a message frame (its payload chunks
	// are not inspected for close frames).
	closeSent bool
	inLib     bool
	deflate   bool // set by Upgrade: see Deflate

	dl    sync.Mutex  // guards final; not held during writes
	final time.Time   // set by Expire: no write deadline may be later
	dlSet atomic.Bool // a write deadline other than Expire's may be set
}

// Expire makes a write in progress and every later one fail at t: a
// closing connection must not wait for a peer that stopped reading.
// Later SetWriteDeadline calls (the WebSocket library sets one before each
// frame) cannot extend it.
func (c *Conn) Expire(t time.Time) {
	c.dl.Lock()
	defer c.dl.Unlock()
	if c.final.IsZero() || t.Before(c.final) {
		c.final = t
	}
	_ = c.Conn.SetWriteDeadline(c.final)
}

// SetWriteDeadline sets the wrapped connection's write deadline, capped by
// Expire's.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.dl.Lock()
	defer c.dl.Unlock()
	c.dlSet.Store(!t.IsZero())
	if !c.final.IsZero() && (t.IsZero() || t.After(c.final)) {
		t = c.final
	}
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets both deadlines; the write deadline is capped by
// Expire's.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// NewConn wraps c.
func NewConn(c net.Conn) *Conn { return &Conn{Conn: c} }

// Write writes p, or buffers it while the connection is corked. A write
// error while corked is reported by the next Write or Uncork.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if !c.inLib && isCloseFrame(p) {
		c.closeSent = true
	}
	if !c.corked {
		n, err := c.Conn.Write(p)
		if err != nil {
			c.err = err
		}
		return n, err
	}
	b := *c.buf
	if len(b)+len(p) <= corkLimit {
		*c.buf = append(b, p...)
		return len(p), nil
	}
	bufs := net.Buffers{b, p}
	_, err := bufs.WriteTo(c.Conn)
	*c.buf = b[:0]
	if err != nil {
		c.err = err
		return 0, err
	}
	return len(p), nil
}

// Cork starts gathering writes.
func (c *Conn) Cork() {
	c.mu.Lock()
	if !c.corked {
		c.corked = true
		c.buf = corkPool.Get().(*[]byte)
	}
	c.mu.Unlock()
}

// Uncork writes everything gathered since Cork in one write and stops
// gathering.
func (c *Conn) Uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return c.err
	}
	c.corked = false
	b := *c.buf
	if len(b) > 0 && c.err == nil {
		if _, err := c.Conn.Write(b); err != nil {
			c.err = err
		}
	}
	*c.buf = b[:0]
	if cap(b) <= 4*corkLimit {
		corkPool.Put(c.buf)
	}
	c.buf = nil
	return c.err
}

// ErrBadHandshake is returned by Upgrade when the request is not a valid
// RFC 6455 handshake; a 400 response has been written.
var ErrBadHandshake = errors.New("wsconn: bad websocket handshake")

// badRequest is what ws 1.1.2 (engine.io 1.8.3) writes for a request that
// passed engine.io's checks but is not a valid WebSocket handshake.
const badRequest = "HTTP/1.1 400 Bad Request\r\nContent-type: text/html\r\n\r\n"

// Upgrade completes the WebSocket handshake of a hijacked connection: hdr is
// the request's header (copied out of fasthttp). It validates the handshake
// like ws 1.1.2 (Upgrade: websocket, a key, version 13), answering a bad one
// with a bare 400 and ErrBadHandshake, and otherwise writes the 101 response
// via u and returns the gorilla connection and its read buffer, of
// readBufferSize bytes (more than 256; u.ReadBufferSize must be 0 so that
// gorilla uses it). The caller closes conn on error.
func Upgrade(u *websocket.Upgrader, conn net.Conn, hdr http.Header, readBufferSize int) (*websocket.Conn, *bufio.Reader, error) {
	if !strings.EqualFold(strings.TrimSpace(hdr.Get("Upgrade")), "websocket") ||
		hdr.Get("Sec-Websocket-Key") == "" ||
		strings.TrimSpace(hdr.Get("Sec-Websocket-Version")) != "13" {
		_, _ = io.WriteString(conn, badRequest)
		return nil, nil, ErrBadHandshake
	}
	w := &hijacker{conn: conn, br: bufio.NewReaderSize(conn, max(readBufferSize, 257))}
	r := &http.Request{Method: http.MethodGet, Header: hdr, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	ws, err := u.Upgrade(w, r, nil)
	if err != nil {
		if !w.hijacked {
			_, _ = io.WriteString(conn, badRequest)
			return nil, nil, errors.Join(ErrBadHandshake, err)
		}
		return nil, nil, err
	}
	if c, ok := conn.(*Conn); ok {
		c.deflate = u.EnableCompression && offersDeflate(hdr)
	}
	return ws, w.br, nil
}

// hijacker is the http.ResponseWriter + http.Hijacker gorilla's Upgrade
// needs. Error responses gorilla would write are discarded (Upgrade writes
// its own).
type hijacker struct {
	conn     net.Conn
	br       *bufio.Reader
	h        http.Header
	hijacked bool
}

func (w *hijacker) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}
func (w *hijacker) Write(p []byte) (int, error) { return len(p), nil }
func (w *hijacker) WriteHeader(int)             {}

func (w *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	// With Upgrader.ReadBufferSize 0 gorilla reads through br (bigger
	// than 256 bytes); the tiny writer only lends gorilla scratch space for
	// the 101 response.
	return w.conn, bufio.NewReadWriter(w.br, bufio.NewWriterSize(io.Discard, 16)), nil
}

// BufferPool is a websocket.BufferPool backed by sync.Pool.
type BufferPool struct{ p sync.Pool }

// Get implements websocket.BufferPool.
func (b *BufferPool) Get() any { return b.p.Get() }

// Put implements websocket.BufferPool.
func (b *BufferPool) Put(v any) { b.p.Put(v) }
