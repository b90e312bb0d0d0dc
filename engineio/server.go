package engineio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/fastsio/fastsio/engineio/internal/netpoll"
	"github.com/fastsio/fastsio/engineio/internal/sid"
	"github.com/fastsio/fastsio/engineio/internal/wsconn"
	"github.com/fastsio/fastsio/engineio/packet"
)

// Server is an engine.io 1.8.3-compatible server. Its methods are safe for
// concurrent use; OnConnection must be set before serving.
type Server struct {
	cfg      config
	prefix   []byte
	upgrader websocket.Upgrader
	epoch    time.Time
	onConn   atomic.Pointer[func(*Socket)]
	hb       heartbeats // every session's ping timeout

	mu       sync.Mutex
	sessions map[string]*Socket
	conns    map[net.Conn]*wsTransport // hijacked WebSocket connections (nil: not parkable)
	httpMu   sync.Mutex                // guards http (own lock: taken per connection)
	http     map[net.Conn]struct{}     // Serve's HTTP connections (not hijacked)
	closed   bool
	active   int // goroutines started by the server (flushers, standalone readers)
	live     int // sessions whose OnClose has not returned yet
	done     chan struct{}
	fs       *fasthttp.Server
	ln       net.Listener // Serve's listener
	clients  atomic.Int64

	// Idle WebSockets: the poller (made on first use, closed by Close)
	// and the sweep that parks readers idle for parkAfter. Guarded by mu.
	pollr    *netpoll.Poller
	pollErr  error
	sweep    *time.Timer
	sweeping bool
}

// NewServer validates opts (nil means all defaults) and returns a Server.
func NewServer(opts *Options) (*Server, error) {
	cfg, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		prefix:   []byte(cfg.prefix),
		epoch:    time.Now(),
		sessions: map[string]*Socket{},
		conns:    map[net.Conn]*wsTransport{},
		http:     map[net.Conn]struct{}{},
		done:     make(chan struct{}),
	}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:    0, // gorilla reads through wsconn.Upgrade's buffer
		WriteBufferSize:   wsWriteBufferSize,
		WriteBufferPool:   &wsconn.BufferPool{},
		EnableCompression: cfg.pmd,
		CheckOrigin:       func(*http.Request) bool { return true }, // AllowRequest decides
	}
	return s, nil
}

func newIDGenerator() func() string {
	g := new(sid.Generator)
	return g.New
}

// now is the server's monotonic clock in nanoseconds.
func (s *Server) now() int64 { return int64(time.Since(s.epoch)) }

// OnConnection sets the handler called for every new session, before its
// first message is delivered (register Socket handlers in it). For a polling
// handshake it runs before the handshake response is sent.
func (s *Server) OnConnection(fn func(*Socket)) { s.onConn.Store(&fn) }

// ClientsCount returns the number of open sessions.
func (s *Server) ClientsCount() int { return int(s.clients.Load()) }

// Handler is a fasthttp.RequestHandler for the engine.io endpoint: mount it
// on a router for Path and everything below. Requests whose URL does not
// start with Path+"/" get 404. On a fasthttp.Server prepared with
// ConfigureServer the engine's requests do not need it.
func (s *Server) Handler(ctx *fasthttp.RequestCtx) {
	if !bytes.HasPrefix(ctx.RequestURI(), s.prefix) {
		ctx.Error("Not Found", fasthttp.StatusNotFound)
		return
	}
	s.handle(ctx, false)
}

// Serve serves engine.io on ln with a fasthttp.Server of its own (other
// paths get 501, as engine.io's listen()) until Close; it returns
// ErrServerClosed after Close.
func (s *Server) Serve(ln net.Listener) error {
	fs := &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			if isUpgrade(ctx) {
				dropConnection(ctx) // engine.io destroys foreign upgrades (after 1 s)
				return
			}
			ctx.Error("Not Implemented", fasthttp.StatusNotImplemented)
		},
		NoDefaultServerHeader: true,
		// A polling client makes a request at least every pingInterval;
		// keep-alive connections idle for longer are gone.
		IdleTimeout:     s.cfg.pingInterval + s.cfg.pingTimeout,
		CloseOnShutdown: true,
		Logger:          slogLogger{s.cfg.log},
		ConnState:       s.trackHTTPConn,
	}
	s.ConfigureServer(fs)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	if s.fs != nil {
		s.mu.Unlock()
		return errServing
	}
	s.fs, s.ln = fs, ln
	s.mu.Unlock()
	err := fs.Serve(ln)
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrServerClosed
	}
	return err
}

// ConfigureServer prepares fs, before it serves, to carry the engine.io
// endpoint the way Serve does, next to the application's own handler:
// requests under Path go to the engine, everything else to fs.Handler as
// before (nil: 404). It sets KeepHijackedConns (an idle WebSocket then
// needs no goroutine and costs a quarter of the memory of one served
// through Handler) and StreamRequestBody (so a
// POST above the engine's limit closes the session as in 1.8.3 instead of
// being refused with 413). The application's handler still sees fully read
// bodies: a streamed one is read for it up to fs.MaxRequestBodySize, and a
// larger one gets 413 as without streaming. Upgrade requests outside Path
// go to fs.Handler, which must then close or keep the connection itself.
func (s *Server) ConfigureServer(fs *fasthttp.Server) {
	next := fs.Handler
	limit := fs.MaxRequestBodySize
	if limit <= 0 {
		limit = fasthttp.DefaultMaxRequestBodySize
	}
	// Bodies up to the threshold are read before a handler runs; larger
	// ones and chunked ones are streamed to it.
	threshold := min(s.cfg.maxBuffer+1, int64(limit), 4<<20)
	fs.MaxRequestBodySize = int(threshold)
	fs.KeepHijackedConns = true
	fs.StreamRequestBody = true
	fs.Handler = func(ctx *fasthttp.RequestCtx) {
		if bytes.HasPrefix(ctx.RequestURI(), s.prefix) {
			s.handle(ctx, true)
			return
		}
		if stream := ctx.RequestBodyStream(); stream != nil {
			b, err := io.ReadAll(io.LimitReader(stream, int64(limit)+1))
			if err != nil || len(b) > limit {
				ctx.SetConnectionClose()
				ctx.Error("Request Entity Too Large", fasthttp.StatusRequestEntityTooLarge)
				return
			}
			ctx.Request.SetBodyRaw(b)
		}
		if next == nil {
			ctx.Error("Not Found", fasthttp.StatusNotFound)
			return
		}
		next(ctx)
	}
}

var errServing = errors.New("engineio: Serve called twice")

// trackHTTPConn records the open connections of Serve's fasthttp.Server so
// that Close can end those whose peer never finishes a request.
func (s *Server) trackHTTPConn(c net.Conn, st fasthttp.ConnState) {
	s.httpMu.Lock()
	switch st {
	case fasthttp.StateNew:
		s.http[c] = struct{}{}
	case fasthttp.StateHijacked, fasthttp.StateClosed:
		delete(s.http, c)
	}
	s.httpMu.Unlock()
}

// shutdownGrace is how long Close lets requests in progress on Serve's
// connections finish (sessions are closed by then, so engine requests
// answer at once) before it closes the connections of peers that are
// still sending: fasthttp's Shutdown would wait for a request whose
// headers or body never end (slowloris) until Close's context ends.
const shutdownGrace = time.Second

func (s *Server) closeHTTPConns() {
	s.httpMu.Lock()
	conns := make([]net.Conn, 0, len(s.http))
	for c := range s.http {
		conns = append(conns, c)
	}
	s.httpMu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// ListenAndServe listens on the TCP address addr and calls Serve. Accepted
// connections have no TCP keepalive (as on Node): the heartbeat finds dead
// peers.
func (s *Server) ListenAndServe(addr string) error {
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

type slogLogger struct {
	l interface{ Debug(string, ...any) }
}

func (l slogLogger) Printf(format string, args ...any) {
	l.l.Debug("engineio: fasthttp: " + fmt.Sprintf(format, args...))
}

// Close shuts the server down gracefully: new handshakes are refused, every
// session is closed ("forced close"; parked GETs get a close packet,
// WebSockets a close frame), the own listener (Serve) is closed, and Close
// waits until every session's OnClose has returned and every goroutine the
// server started has ended. If ctx ends first, the remaining connections are
// closed hard and ctx's error is returned once they have ended.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	socks := make([]*Socket, 0, len(s.sessions))
	for _, sock := range s.sessions {
		socks = append(socks, sock)
	}
	fs, ln := s.fs, s.ln
	s.checkDoneLocked()
	s.mu.Unlock()

	for _, sock := range socks {
		sock.mu.Lock()
		sock.closeLocked(true)
		sock.unlock()
	}
	var err error
	if fs != nil {
		stragglers := time.AfterFunc(shutdownGrace, s.closeHTTPConns)
		err = fs.ShutdownWithContext(ctx)
		stragglers.Stop()
		// Shutdown misses a Serve that has not registered its listener
		// yet; closing the listener ends that one too.
		_ = ln.Close()
	}
	select {
	case <-s.done:
		return err
	case <-ctx.Done():
	}
	// Out of time: close what is left hard; readers and flushers then end
	// promptly.
	s.mu.Lock()
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	socks = socks[:0]
	for _, sock := range s.sessions {
		socks = append(socks, sock)
	}
	s.mu.Unlock()
	for _, sock := range socks {
		sock.mu.Lock()
		for _, t := range []*wsTransport{sock.ws, sock.upg} {
			if t != nil {
				t.hard.Store(true)
			}
		}
		sock.finishLocked(ReasonForcedClose)
		sock.unlock()
	}
	for _, c := range conns {
		_ = c.Close()
	}
	// A parked connection has no reader to see its close.
	s.mu.Lock()
	var parked []*wsTransport
	for _, t := range s.conns {
		if t != nil {
			parked = append(parked, t)
		}
	}
	s.mu.Unlock()
	for _, t := range parked {
		t.unpark()
	}
	s.closeHTTPConns()
	<-s.done
	return ctx.Err()
}

func (s *Server) checkDoneLocked() {
	if s.closed && s.active == 0 && s.live == 0 && len(s.conns) == 0 {
		select {
		case <-s.done:
		default:
			close(s.done)
			if s.sweep != nil {
				s.sweep.Stop()
			}
			if p := s.pollr; p != nil {
				go p.Close() // waits for the poller goroutine; not under mu
			}
		}
	}
}

// poller returns the server's poller, starting it on first use; nil if the
// platform has none or the server is closed.
func (s *Server) poller() *netpoll.Poller {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pollr == nil && s.pollErr == nil && !s.closed {
		s.pollr, s.pollErr = netpoll.New()
		if s.pollErr != nil {
			s.cfg.log.Debug("engineio: no poller, idle WebSockets keep a goroutine", "err", s.pollErr)
		}
	}
	if s.closed {
		return nil
	}
	return s.pollr
}

// trackTransport makes a tracked connection's transport visible to the
// idle sweep.
func (s *Server) trackTransport(t *wsTransport) {
	s.mu.Lock()
	if _, ok := s.conns[t.raw]; ok {
		s.conns[t.raw] = t
	}
	if !s.sweeping && !s.closed {
		s.sweeping = true
		if s.sweep == nil {
			s.sweep = time.AfterFunc(sweepEvery(), s.sweepIdle)
		} else {
			s.sweep.Reset(sweepEvery())
		}
	}
	s.mu.Unlock()
}

func sweepEvery() time.Duration { return max(time.Duration(parkAfter), 10*time.Millisecond) }

// sweepIdle parks the connections whose reader has waited for more than
// parkAfter; it runs every parkAfter while there are connections.
func (s *Server) sweepIdle() {
	now := s.now()
	var idle []*wsTransport
	s.mu.Lock()
	for _, t := range s.conns {
		if t != nil && t.rstate.Load() == rWaiting && now-t.lastMsg.Load() > parkAfter {
			idle = append(idle, t)
		}
	}
	s.mu.Unlock()
	for _, t := range idle {
		t.kick()
	}
	s.mu.Lock()
	if len(s.conns) > 0 && !s.closed {
		s.sweep.Reset(sweepEvery())
	} else {
		s.sweeping = false
	}
	s.mu.Unlock()
}

// goTracked runs f on a new goroutine that Close waits for; false if the
// server is closed and has nothing left to wait for.
func (s *Server) goTracked(f func()) bool {
	if !s.addActive() {
		return false
	}
	go func() {
		defer s.doneActive()
		f()
	}()
	return true
}

// addActive counts a goroutine Close must wait for; false if the server is
// closed and has nothing left to wait for. doneActive ends it.
func (s *Server) addActive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed && s.active == 0 && s.live == 0 && len(s.conns) == 0 {
		return false
	}
	s.active++
	return true
}

func (s *Server) doneActive() {
	s.mu.Lock()
	s.active--
	s.checkDoneLocked()
	s.mu.Unlock()
}

// trackConn registers (add) or forgets a hijacked connection.
func (s *Server) trackConn(c net.Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closed && len(s.conns) == 0 && s.active == 0 && s.live == 0 {
			return false
		}
		s.conns[c] = nil
		return true
	}
	delete(s.conns, c)
	s.checkDoneLocked()
	return true
}

func (s *Server) lookup(id string) *Socket {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

func (s *Server) remove(sock *Socket) {
	s.mu.Lock()
	if s.sessions[sock.id] == sock {
		delete(s.sessions, sock.id)
		s.clients.Add(-1)
	}
	s.mu.Unlock()
}

func (s *Server) sessionDone() {
	s.mu.Lock()
	s.live--
	s.checkDoneLocked()
	s.mu.Unlock()
}

// newSession creates an unregistered session for a handshake.
func (s *Server) newSession(req *Request) *Socket {
	return newSocket(s, s.cfg.generateID(), req)
}

// register adds sock to the server; false when closed or the id is taken.
func (s *Server) register(sock *Socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if _, dup := s.sessions[sock.id]; dup {
		s.cfg.log.Error("engineio: GenerateID returned an id in use", "sid", sock.id)
		return false
	}
	s.sessions[sock.id] = sock
	s.live++
	s.clients.Add(1)
	return true
}

// connected starts the session's heartbeat timer and calls OnConnection.
// OnConnection runs under the delivery lock, so an early close (a
// heartbeat timeout while it runs, or Close from inside it) reports OnClose
// only after it has returned and registered its handlers.
func (s *Server) connected(sock *Socket) {
	sock.startPingTimer()
	sock.beginDeliver()
	defer sock.endDeliver()
	if fn := s.onConn.Load(); fn != nil {
		(*fn)(sock)
	}
}

// openPacket builds the open packet:
// {"sid":...,"upgrades":[...],"pingInterval":N,"pingTimeout":N}.
func (s *Server) openPacket(id string, polling bool) packet.Packet {
	b := make([]byte, 0, 96)
	b = append(b, `{"sid":`...)
	b = appendJSONString(b, id)
	b = append(b, `,"upgrades":[`...)
	if polling && s.cfg.allowUpgrades && s.cfg.websocket {
		b = append(b, `"websocket"`...)
	}
	b = append(b, `],"pingInterval":`...)
	b = strconv.AppendInt(b, s.cfg.pingInterval.Milliseconds(), 10)
	b = append(b, `,"pingTimeout":`...)
	b = strconv.AppendInt(b, s.cfg.pingTimeout.Milliseconds(), 10)
	b = append(b, '}')
	return packet.Packet{Type: packet.Open, Data: b}
}

// appendJSONString appends v as a JSON string the way JSON.stringify does.
func appendJSONString(b []byte, v string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// isUpgrade reports whether Node would emit 'upgrade' for the request: a
// Connection header with the upgrade token and an Upgrade header.
func isUpgrade(ctx *fasthttp.RequestCtx) bool {
	if len(ctx.Request.Header.Peek("Upgrade")) == 0 {
		return false
	}
	return hasToken(ctx.Request.Header.Peek("Connection"), "upgrade")
}

func hasToken(h []byte, tok string) bool {
	for len(h) > 0 {
		i := bytes.IndexByte(h, ',')
		var part []byte
		if i < 0 {
			part, h = h, nil
		} else {
			part, h = h[:i], h[i+1:]
		}
		if bytes.EqualFold(bytes.TrimSpace(part), []byte(tok)) {
			return true
		}
	}
	return false
}

// single returns the value of a query parameter that occurs exactly once
// (Node's querystring turns a repeated one into an array).
func single(args *fasthttp.Args, key string) (string, int) {
	n := 0
	var v []byte
	for k, val := range args.All() {
		if string(k) == key {
			n++
			v = val
		}
	}
	if n != 1 {
		return "", n
	}
	return string(v), 1
}

// handle routes a request under the engine.io path (engine.io's
// handleRequest / handleUpgrade + verify).
func (s *Server) handle(ctx *fasthttp.RequestCtx, own bool) {
	upgrade := isUpgrade(ctx)
	args := ctx.QueryArgs()
	transport, tn := single(args, "transport")
	if tn != 1 || !((transport == TransportPolling && s.cfg.polling) || (transport == TransportWebSocket && s.cfg.websocket)) {
		s.reject(ctx, upgrade, codeError(CodeUnknownTransport))
		return
	}
	id, idn := single(args, "sid")
	if idn > 1 {
		s.reject(ctx, upgrade, codeError(CodeUnknownSID))
		return
	}
	if id != "" {
		sock := s.lookup(id)
		if sock == nil {
			s.reject(ctx, upgrade, codeError(CodeUnknownSID))
			return
		}
		if upgrade {
			s.upgradeRequest(ctx, own, &wsRequest{transport: transport, sid: id, b64: hasB64(args), header: wsHeader(ctx)})
			return
		}
		sock.mu.Lock()
		closed, cur := sock.state == stateClosed, TransportPolling
		if sock.ws != nil {
			cur = TransportWebSocket
		}
		sock.mu.Unlock()
		switch {
		case closed:
			s.reject(ctx, false, codeError(CodeUnknownSID))
		case cur != transport || cur == TransportWebSocket:
			// engine.io would leave a plain request to a WebSocket
			// session unanswered; it gets "Bad request" here.
			s.reject(ctx, false, codeError(CodeBadRequest))
		default:
			s.handlePolling(ctx, sock)
		}
		return
	}

	// Handshake.
	if !ctx.IsGet() {
		s.reject(ctx, upgrade, codeError(CodeBadHandshakeMethod))
		return
	}
	req := newRequest(ctx)
	if fn := s.cfg.allowRequest; fn != nil {
		if err := fn(req); err != nil {
			re, ok := err.(*RequestError)
			if !ok {
				re = &RequestError{}
			}
			s.reject(ctx, upgrade, re)
			return
		}
	}
	if s.isClosed() {
		ctx.Error("Service Unavailable", fasthttp.StatusServiceUnavailable)
		return
	}
	if upgrade {
		s.upgradeRequest(ctx, own, &wsRequest{transport: transport, b64: hasB64(args), header: wsHeader(ctx), req: req})
		return
	}
	if transport != TransportPolling {
		s.reject(ctx, false, codeError(CodeBadRequest))
		return
	}
	s.handshakePolling(ctx, req, args)
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// hasB64 is engine.io's truthiness test of req._query.b64.
func hasB64(args *fasthttp.Args) bool {
	v, n := single(args, "b64")
	return n > 1 || v != ""
}

func wsHeader(ctx *fasthttp.RequestCtx) http.Header {
	h := http.Header{}
	for _, k := range []string{"Connection", "Upgrade", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions"} {
		if v := ctx.Request.Header.Peek(k); len(v) > 0 {
			h.Set(k, string(v))
		}
	}
	return h
}

func (s *Server) handshakePolling(ctx *fasthttp.RequestCtx, req *Request, args *fasthttp.Args) {
	sock := s.newSession(req)
	p := &pollTransport{b64: hasB64(args)}
	if j, n := single(args, "j"); n == 1 {
		p.jsonp = true
		digits := make([]byte, 0, len(j))
		for i := 0; i < len(j); i++ {
			if j[i] >= '0' && j[i] <= '9' {
				digits = append(digits, j[i])
			}
		}
		p.jsonpIndex = string(digits)
	}
	sock.poll = p
	if s.cfg.cookie != "" {
		sock.cookie = s.cfg.cookie + encodeURIComponent(sock.id) + s.cfg.cookieSuffix
	}
	sock.enqueueLocked(s.openPacket(sock.id, true))
	if !s.register(sock) {
		ctx.Error("Service Unavailable", fasthttp.StatusServiceUnavailable)
		return
	}
	sock.mu.Lock()
	pkts := sock.takeQueueLocked()
	sock.mu.Unlock()
	s.writePoll(ctx, sock, p, pkts)
	s.connected(sock)
}

// encodeURIComponent escapes like JavaScript's (the cookie module's default
// encoder); ids from the default generator pass unchanged.
func encodeURIComponent(v string) string {
	const safe = "-_.!~*'()"
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || bytes.IndexByte([]byte(safe), c) >= 0) {
			return url.QueryEscape(v) // rare: custom ids
		}
	}
	return v
}

// upgradeRequest hands an upgrade request that passed verification to a
// goroutine owning the hijacked connection.
func (s *Server) upgradeRequest(ctx *fasthttp.RequestCtx, own bool, info *wsRequest) {
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(c net.Conn) {
		// Work on the underlying connection, not fasthttp's wrapper: the
		// wrapper goes back to a pool when this function returns, while a
		// close frame or Server.Close may still touch the connection. A
		// WebSocket client sends nothing before the 101, so fasthttp's
		// reader holds no bytes of it.
		raw := c
		if uc, ok := c.(interface{ UnsafeConn() net.Conn }); ok {
			raw = uc.UnsafeConn()
		}
		if !own {
			// A foreign fasthttp.Server closes the connection when this
			// function returns: this goroutine is the reader.
			s.serveWS(raw, info, false)
			return
		}
		// Our own server keeps hijacked connections: let fasthttp recycle
		// its context and buffers, and read on a fresh goroutine.
		if !s.goTracked(func() { s.serveWS(raw, info, true) }) {
			_ = raw.Close()
		}
	})
}

// reject answers a request that failed verification: a 400 JSON error, or
// for an upgrade request raw bytes on the socket, then close.
func (s *Server) reject(ctx *fasthttp.RequestCtx, upgrade bool, re *RequestError) {
	if !upgrade {
		s.httpError(ctx, re)
		return
	}
	msg := re.message()
	if msg == "" {
		msg = string(re.codeJSON())
	}
	raw := "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: " +
		strconv.Itoa(len(msg)) + "\r\n\r\n" + msg
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(c net.Conn) {
		_, _ = c.Write([]byte(raw))
		if uc, ok := c.(interface{ UnsafeConn() net.Conn }); ok {
			_ = uc.UnsafeConn().Close()
		}
		_ = c.Close()
	})
}

// httpError writes engine.io's 400 JSON error (chunked, CORS, no cookie).
func (s *Server) httpError(ctx *fasthttp.RequestCtx, re *RequestError) {
	body := append([]byte(`{"code":`), re.codeJSON()...)
	if msg := re.message(); msg != "" {
		body = append(body, `,"message":`...)
		mb, _ := json.Marshal(msg)
		body = append(body, mb...)
	}
	body = append(body, '}')
	ctx.SetStatusCode(fasthttp.StatusBadRequest)
	ctx.Response.Header.SetContentType("application/json")
	corsHeaders(ctx)
	ctx.Response.SetBodyStream(bytes.NewReader(body), -1) // chunked, as Node
}
