package socketio

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastsio/fastsio/engineio"
	"github.com/valyala/fasthttp"
)

// Server is a socket.io 1.x server on top of an engineio.Server. Create it
// with NewServer, register namespaces, middlewares and handlers, then
// serve with Serve or mount Handler in a fasthttp server. Safe for
// concurrent use.
type Server struct {
	opts Options
	eng  *engineio.Server
	log  *slog.Logger

	prefix        []byte // <path>/
	jsURL, mapURL []byte // <path>/socket.io.js, <path>/socket.io.js.map
	js, jsMap     []byte // client files; nil = not served

	mu   sync.RWMutex
	nsps map[string]*Namespace
	root *Namespace

	workers workerGroup // client handler goroutines
	runners runners     // parked worker goroutines (runners.go)

	// jobs counts the handler jobs running now; while one runs,
	// broadcasts hold their WebSocket writes in bcast, flushed when a job
	// ends (or after bcastDelay): the emits of one handler leave in one
	// write per recipient.
	jobs   atomic.Int32
	bcast  *engineio.Batch
	closed atomic.Bool

	httpMu sync.Mutex
	https  []*fasthttp.Server
	conns  map[net.Conn]struct{} // Serve's open, not hijacked connections
}

// NewServer validates opts (nil = defaults) and creates the server with
// its root namespace "/".
func NewServer(opts *Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, log: o.Logger, nsps: make(map[string]*Namespace), bcast: engineio.NewBatch(nil, bcastDelay)}
	s.prefix = []byte(o.Path + "/")
	s.jsURL = []byte(o.Path + "/socket.io.js")
	s.mapURL = []byte(o.Path + "/socket.io.js.map")
	if o.ClientFS != nil {
		if s.js, err = fs.ReadFile(o.ClientFS, o.ClientFile); err != nil {
			return nil, fmt.Errorf("socketio: reading the client file: %w", err)
		}
		if m, err := fs.ReadFile(o.ClientFS, o.ClientMapFile); err == nil {
			s.jsMap = m
		}
	}
	eo := o.Engine
	eo.Path = o.Path
	if eo.Logger == nil {
		eo.Logger = o.Logger
	}
	if o.AllowRequest != nil {
		eo.AllowRequest = o.AllowRequest
	} else {
		eo.AllowRequest = s.checkRequest
	}
	if s.eng, err = engineio.NewServer(&eo); err != nil {
		return nil, err
	}
	s.eng.OnConnection(s.onConnection)
	s.root = s.Of("/")
	return s, nil
}

// errOrigin makes engineio answer {"code":null}, as 1.7.3's origin check.
var errOrigin = errors.New("socketio: origin not allowed")

func (s *Server) checkRequest(r *engineio.Request) error {
	origin := r.GetHeader("Origin")
	if origin == "" {
		origin = r.GetHeader("Referer")
	}
	if s.opts.originAllowed(origin) {
		return nil
	}
	return errOrigin
}

// Engine returns the underlying engine.io server.
func (s *Server) Engine() *engineio.Server { return s.eng }

// Of returns the namespace name, creating it on first use ("" and "chat"
// mean "/" and "/chat", as in 1.7.3). Clients can only connect to
// namespaces created with Of.
func (s *Server) Of(name string) *Namespace {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	s.mu.RLock()
	n := s.nsps[name]
	s.mu.RUnlock()
	if n != nil {
		return n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n = s.nsps[name]; n == nil {
		n = newNamespace(s, name)
		s.nsps[name] = n
	}
	return n
}

// Sockets returns the root namespace (1.7.3 io.sockets).
func (s *Server) Sockets() *Namespace { return s.root }

func (s *Server) namespace(name string) *Namespace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.nsps[name]
}

func (s *Server) onConnection(es *engineio.Socket) {
	c := newClient(s, es, es.Request())
	es.OnMessage(c.onMessage)
	es.OnClose(c.onClose)
	// Read-batch boundaries emulate 1.7.3's "next tick" (see client.batchAware).
	c.batchAware = true
	es.OnBatchEnd(c.onBatchEnd)
	c.start()
}

// Handler is the fasthttp.RequestHandler serving the client file routes
// and the engine.io endpoint; other URLs go to Options.Fallback, or get
// engine.io's answer (404) without one. Serve is preferable when the
// server has the port to itself: its fasthttp.Server is set up by
// engineio.ConfigureServer (idle WebSockets need no goroutine and a
// quarter of the memory; 1.8.3's handling of oversized POSTs).
func (s *Server) Handler(ctx *fasthttp.RequestCtx) {
	if s.serveClientFile(ctx) {
		return
	}
	if s.opts.Fallback != nil && !bytes.HasPrefix(ctx.RequestURI(), s.prefix) {
		s.opts.Fallback(ctx)
		return
	}
	s.eng.Handler(ctx)
}

// serveClientFile answers the client file routes (1.7.3 prefix match,
// before engine.io sees the request) and reports whether it did.
func (s *Server) serveClientFile(ctx *fasthttp.RequestCtx) bool {
	if s.js == nil {
		return false
	}
	uri := ctx.RequestURI()
	if s.jsMap != nil && bytes.HasPrefix(uri, s.mapURL) {
		s.serveFile(ctx, s.jsMap, "application/json", false)
		return true
	}
	if bytes.HasPrefix(uri, s.jsURL) {
		s.serveFile(ctx, s.js, "application/javascript", true)
		return true
	}
	return false
}

const etag = `"` + clientVersion + `"`

func (s *Server) serveFile(ctx *fasthttp.RequestCtx, body []byte, ctype string, sourceMap bool) {
	if string(ctx.Request.Header.Peek("If-None-Match")) == etag {
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		return
	}
	// Header names and chunked encoding as 1.7.3 writes them.
	ctx.Response.Header.DisableNormalizing()
	ctx.SetContentType(ctype)
	ctx.Response.Header.Set("ETag", etag)
	if sourceMap {
		ctx.Response.Header.Set("X-SourceMap", "socket.io.js.map")
	}
	if ctx.IsHead() {
		return
	}
	ctx.SetBodyStreamWriter(func(w *bufio.Writer) { _, _ = w.Write(body) })
}

// Serve accepts connections on ln until Close. It returns ErrServerClosed
// after Close. URLs outside Path go to Options.Fallback (404 without one).
func (s *Server) Serve(ln net.Listener) error {
	rest := s.opts.Fallback
	if rest == nil {
		rest = func(ctx *fasthttp.RequestCtx) { ctx.Error("Not Found", fasthttp.StatusNotFound) }
	}
	hs := &fasthttp.Server{
		Handler:                      rest,
		NoDefaultServerHeader:        true,
		DisablePreParseMultipartForm: true,
		CloseOnShutdown:              true,
		Logger:                       fasthttpLogger{s.log},
	}
	// engineio takes the requests under Path and sets the server up for
	// its WebSockets and body limits; the client file routes, also under
	// Path, are answered before it sees them.
	s.eng.ConfigureServer(hs)
	hs.ConnState = s.trackConn
	engineAndRest := hs.Handler
	hs.Handler = func(ctx *fasthttp.RequestCtx) {
		if !s.serveClientFile(ctx) {
			engineAndRest(ctx)
		}
	}
	s.httpMu.Lock()
	if s.closed.Load() {
		s.httpMu.Unlock()
		return ErrServerClosed
	}
	s.https = append(s.https, hs)
	s.httpMu.Unlock()
	err := hs.Serve(ln)
	if s.closed.Load() {
		return ErrServerClosed
	}
	return err
}

// shutdownGrace is how long Close lets requests in progress on Serve's
// connections finish before it closes the connections of peers that are
// still sending.
const shutdownGrace = time.Second

// trackConn is Serve's fasthttp ConnState hook.
func (s *Server) trackConn(c net.Conn, st fasthttp.ConnState) {
	s.httpMu.Lock()
	switch st {
	case fasthttp.StateNew:
		if s.conns == nil {
			s.conns = make(map[net.Conn]struct{})
		}
		s.conns[c] = struct{}{}
	case fasthttp.StateHijacked, fasthttp.StateClosed:
		delete(s.conns, c)
	}
	s.httpMu.Unlock()
}

func (s *Server) closeConns() {
	s.httpMu.Lock()
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.httpMu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Debug("socketio: fasthttp: " + fmt.Sprintf(format, args...))
}

// Close shuts the server down like 1.7.3's io.close(): root-namespace
// sockets are closed with reason "" (1.7.3: undefined) without a
// DISCONNECT packet, then every engine.io session is closed (other
// namespaces see "forced close"), listeners stop, and Close waits until
// every disconnect handler has returned or ctx ends.
func (s *Server) Close(ctx context.Context) error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	for _, sock := range s.root.Sockets() {
		if sock.beginClose(ReasonServerClose) {
			sock.client.enqueueInternal(job{kind: jobFinish, sock: sock})
		}
	}
	err := s.eng.Close(ctx)
	s.httpMu.Lock()
	https := s.https
	s.https = nil
	s.httpMu.Unlock()
	// fasthttp's Shutdown waits for requests still arriving (a peer that
	// never finishes its headers or body) until ctx ends and then leaves
	// their goroutines behind: give them a grace period, then cut them.
	stragglers := time.AfterFunc(shutdownGrace, s.closeConns)
	for _, hs := range https {
		if herr := hs.ShutdownWithContext(ctx); herr != nil && err == nil {
			err = herr
		}
	}
	if !stragglers.Stop() || ctx.Err() != nil {
		s.closeConns()
	}
	if werr := s.workers.wait(ctx); werr != nil && err == nil {
		err = werr
	}
	s.runners.close()
	return err
}

// workerGroup counts running client workers. Unlike sync.WaitGroup it
// allows workers to start while someone waits (a session closing late
// still runs its disconnect handlers).
type workerGroup struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to 0
}

func (g *workerGroup) add() {
	g.mu.Lock()
	if g.n == 0 {
		g.idle = make(chan struct{})
	}
	g.n++
	g.mu.Unlock()
}

func (g *workerGroup) done() {
	g.mu.Lock()
	g.n--
	if g.n == 0 {
		close(g.idle)
	}
	g.mu.Unlock()
}

// wait returns when no worker runs, or ctx's error.
func (g *workerGroup) wait(ctx context.Context) error {
	for {
		g.mu.Lock()
		if g.n == 0 {
			g.mu.Unlock()
			return nil
		}
		idle := g.idle
		g.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
