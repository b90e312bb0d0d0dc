// Package bareserver is the protocol core of tools/cmd/bareecho: a bare
// fasthttp/websocket server speaking just enough engine.io v3 / socket.io
// wire for the load generator's websocket scenarios. See the bareecho
// command documentation for exactly what it answers; it is used in-process
// by the load generator's tests as well.
//
// Concurrency: Handler may be called from any number of fasthttp workers;
// each upgraded connection has one reader goroutine; writes to a connection
// are serialised by a per-connection mutex (fanout writes to other sockets
// from the emitting socket's goroutine).
package bareserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"
)

type conn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
}

func (c *conn) write(b []byte) error {
	c.wmu.Lock()
	err := c.ws.WriteMessage(websocket.TextMessage, b)
	c.wmu.Unlock()
	return err
}

// Server is the bare echo server. Create it with New.
type Server struct {
	up       websocket.FastHTTPUpgrader
	openTail []byte // everything of the open packet after the sid
	nextID   atomic.Uint64
	mu       sync.Mutex
	nsps     map[string]map[*conn]struct{}
	all      map[*conn]struct{}
	bufs     sync.Pool
}

// New returns a server whose open packet advertises the given ping
// interval and timeout (ms).
func New(pingInterval, pingTimeout int) *Server {
	s := &Server{
		nsps: map[string]map[*conn]struct{}{"/": {}},
		all:  map[*conn]struct{}{},
	}
	s.openTail = fmt.Appendf(nil, `","upgrades":[],"pingInterval":%d,"pingTimeout":%d}`, pingInterval, pingTimeout)
	s.up = websocket.FastHTTPUpgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 4096,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     func(*fasthttp.RequestCtx) bool { return true },
	}
	s.bufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	return s
}

var prefix = []byte("/socket.io/")

// Handler is the fasthttp request handler.
func (s *Server) Handler(ctx *fasthttp.RequestCtx) {
	if !bytes.HasPrefix(ctx.Path(), prefix) {
		ctx.Error("not found", fasthttp.StatusNotFound)
		return
	}
	if !websocket.FastHTTPIsWebSocketUpgrade(ctx) {
		ctx.Error("bareecho: websocket only", fasthttp.StatusBadRequest)
		return
	}
	_ = s.up.Upgrade(ctx, s.serve)
}

func (s *Server) serve(ws *websocket.Conn) {
	c := &conn{ws: ws}
	open := make([]byte, 0, 128)
	open = append(open, `0{"sid":"`...)
	open = strconv.AppendUint(open, s.nextID.Add(1), 10)
	open = append(open, s.openTail...)
	if c.write(open) != nil || c.write([]byte("40")) != nil {
		ws.Close()
		return
	}
	s.mu.Lock()
	s.all[c] = struct{}{}
	s.nsps["/"][c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.all, c)
		for _, m := range s.nsps {
			delete(m, c)
		}
		s.mu.Unlock()
		ws.Close()
	}()
	for {
		_, r, err := ws.NextReader()
		if err != nil {
			return
		}
		bp := s.bufs.Get().(*[]byte)
		b := (*bp)[:0]
		for {
			if len(b) == cap(b) {
				b = append(b, 0)[:len(b)]
			}
			n, err := r.Read(b[len(b):cap(b)])
			b = b[:len(b)+n]
			if err != nil {
				break
			}
		}
		err = s.message(c, b)
		*bp = b[:0]
		if cap(b) <= 64<<10 {
			s.bufs.Put(bp)
		}
		if err != nil {
			return
		}
	}
}

var (
	pong     = []byte("3")
	echoName = []byte(`"echo"`)
	fanName  = []byte(`"fanout"`)
	statName = []byte(`"stats"`)
)

func (s *Server) message(c *conn, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '2':
		return c.write(pong)
	case '4':
	default:
		return nil
	}
	if len(b) < 2 {
		return nil
	}
	switch b[1] {
	case '0', '1': // CONNECT / DISCONNECT of a namespace
		nsp := string(b[2:])
		if i := bytes.IndexAny(b[2:], ",?"); i >= 0 {
			nsp = string(b[2 : 2+i])
		}
		if nsp == "" || nsp == "/" {
			return nil
		}
		s.mu.Lock()
		if b[1] == '0' {
			if s.nsps[nsp] == nil {
				s.nsps[nsp] = map[*conn]struct{}{}
			}
			s.nsps[nsp][c] = struct{}{}
		} else if m := s.nsps[nsp]; m != nil {
			delete(m, c)
		}
		s.mu.Unlock()
		if b[1] == '0' {
			return c.write(append([]byte("40"), nsp...))
		}
		return nil
	case '2':
	default:
		return nil
	}
	// EVENT: 42[/nsp,][id][...]
	rest := b[2:]
	nsp := "/"
	if len(rest) > 0 && rest[0] == '/' {
		i := bytes.IndexByte(rest, ',')
		if i < 0 {
			return nil
		}
		nsp = string(rest[:i])
		rest = rest[i+1:]
	}
	head := len(b) - len(rest) // "42" + nsp + ","
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	id, args := rest[:i], rest[i:]
	if len(args) < 2 || args[0] != '[' {
		return nil
	}
	body := args[1:]
	switch {
	case bytes.HasPrefix(body, echoName):
		if len(id) == 0 {
			return c.write(b)
		}
		// 43[/nsp,]<id>[args...]
		op := s.bufs.Get().(*[]byte)
		defer s.bufs.Put(op)
		out := append((*op)[:0], '4', '3')
		out = append(out, b[2:head]...)
		out = append(out, id...)
		out = append(out, '[')
		tail := body[len(echoName):]
		if len(tail) > 0 && tail[0] == ',' {
			tail = tail[1:]
		}
		out = append(out, tail...)
		*op = out[:0]
		return c.write(out)
	case bytes.HasPrefix(body, statName) && len(id) > 0:
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s.mu.Lock()
		n := len(s.nsps[nsp])
		s.mu.Unlock()
		out := append([]byte("43"), b[2:head]...)
		out = append(out, id...)
		out = fmt.Appendf(out, `[{"sockets":%d,"rss":%d,"heap":%d}]`, n, rss(), ms.HeapInuse)
		return c.write(out)
	case bytes.HasPrefix(body, fanName):
		var a []json.RawMessage
		if json.Unmarshal(args, &a) != nil || len(a) < 4 {
			return nil
		}
		n, err := strconv.Atoi(string(a[1]))
		if err != nil || n < 0 {
			return nil
		}
		msg := append([]byte(nil), b[:head]...)
		msg = append(msg, '[')
		msg = append(msg, a[2]...)
		msg = append(msg, ',')
		msg = append(msg, a[3]...)
		msg = append(msg, ']')
		s.mu.Lock()
		targets := make([]*conn, 0, len(s.nsps[nsp]))
		for t := range s.nsps[nsp] {
			targets = append(targets, t)
		}
		s.mu.Unlock()
		for range n {
			for _, t := range targets {
				_ = t.write(msg) // a dead target is reaped by its own reader
			}
		}
	}
	return nil
}

// CloseAll closes every connection (their readers then exit).
func (s *Server) CloseAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.all {
		c.ws.Close()
	}
}

var pageSize = int64(os.Getpagesize())

// rss reads the resident set size from /proc/self/statm (0 where absent).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * pageSize
}
