package engineio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/fastsio/fastsio/engineio/internal/httpenc"
	"github.com/fastsio/fastsio/engineio/packet"
)

// pollTransport is the state of a session's polling transport, guarded by
// the Socket's mu.
type pollTransport struct {
	jsonp       bool
	jsonpIndex  string
	b64         bool
	get         *pollWaiter // the parked GET, if any
	posting     bool        // a POST is being processed
	shouldClose bool        // the next GET carries noop+close
	closed      bool        // closed or discarded (after an upgrade)
}

// pollWaiter is a parked GET. The goroutine that makes the transport write
// assigns the packets (under the Socket's mu) and wakes the GET's handler,
// which encodes and writes them.
type pollWaiter struct {
	wake     chan struct{}
	packets  []outPacket
	assigned bool
}

func (w *pollWaiter) assign(pkts []outPacket) {
	w.packets = pkts
	w.assigned = true
	w.wake <- struct{}{}
}

var noopPackets = []outPacket{{p: packet.Packet{Type: packet.Noop}}}
var noopClosePackets = []outPacket{{p: packet.Packet{Type: packet.Noop}}, {p: packet.Packet{Type: packet.Close}}}

// handlePolling serves a request carrying the sid of a session whose
// current transport is polling.
func (s *Server) handlePolling(ctx *fasthttp.RequestCtx, sock *Socket) {
	switch {
	case ctx.IsGet():
		s.pollGET(ctx, sock)
	case ctx.IsPost():
		s.pollPOST(ctx, sock)
	case ctx.IsOptions():
		sock.mu.Lock()
		jsonp := sock.poll != nil && sock.poll.jsonp
		sock.mu.Unlock()
		if jsonp {
			ctx.SetStatusCode(fasthttp.StatusInternalServerError)
			return
		}
		ctx.SetStatusCode(fasthttp.StatusOK)
		s.pollHeaders(ctx, sock, true)
		ctx.Response.Header.Set("Access-Control-Allow-Headers", "Content-Type")
	default:
		ctx.SetStatusCode(fasthttp.StatusInternalServerError)
	}
}

// pollLookup checks, under sock.mu, that the session still polls.
func pollLookup(sock *Socket) (p *pollTransport, code int) {
	if sock.state == stateClosed {
		return nil, CodeUnknownSID
	}
	if sock.ws != nil || sock.poll == nil || sock.poll.closed {
		return nil, CodeBadRequest
	}
	return sock.poll, -1
}

func (s *Server) pollGET(ctx *fasthttp.RequestCtx, sock *Socket) {
	sock.mu.Lock()
	p, code := pollLookup(sock)
	if p == nil {
		sock.mu.Unlock()
		s.httpError(ctx, codeError(code))
		return
	}
	if p.get != nil {
		// Overlapping GET: the intruder gets 500, the session dies and the
		// first GET gets the close packet.
		sock.finishLocked(ReasonTransportError)
		sock.unlock()
		ctx.SetStatusCode(fasthttp.StatusInternalServerError)
		return
	}
	var pkts []outPacket
	switch {
	case len(sock.queue) > 0:
		pkts = sock.takeQueueLocked()
		sock.drainedLocked()
	case p.shouldClose:
		pkts = noopClosePackets
		sock.finishLocked(ReasonForcedClose)
	}
	if pkts != nil {
		sock.unlock()
		s.writePoll(ctx, sock, p, pkts)
		return
	}
	w := &pollWaiter{wake: make(chan struct{}, 1)}
	p.get = w
	sock.mu.Unlock()

	probe := startProbe(ctx.Conn())
	select {
	case <-w.wake:
	case <-probe.dropped:
	}
	if probe.stop() {
		// The probe consumed bytes of a pipelined request: this
		// connection cannot serve another one.
		ctx.SetConnectionClose()
	}

	sock.mu.Lock()
	if !w.assigned {
		p.get = nil
		sock.finishLocked(ReasonTransportError) // poll connection closed prematurely
		sock.unlock()
		ctx.SetConnectionClose()
		return
	}
	sock.mu.Unlock()
	s.writePoll(ctx, sock, p, w.packets)
}

var (
	payloadPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}
	scratchPool = sync.Pool{New: func() any { s := make([]packet.Packet, 0, 16); return &s }}
)

// writePoll encodes pkts as the GET response.
func (s *Server) writePoll(ctx *fasthttp.RequestCtx, sock *Socket, p *pollTransport, pkts []outPacket) {
	sp := scratchPool.Get().(*[]packet.Packet)
	ps := (*sp)[:0]
	compress := false
	for i := range pkts {
		ps = append(ps, pkts[i].p)
		if !pkts[i].noCompress {
			compress = true
		}
	}
	bp := payloadPool.Get().(*[]byte)
	body := (*bp)[:0]
	switch {
	case p.jsonp && p.b64:
		tp := payloadPool.Get().(*[]byte)
		*tp = packet.AppendStringPayload((*tp)[:0], ps)
		body = packet.AppendJSONP(body, p.jsonpIndex, *tp)
		payloadPool.Put(tp)
		ctx.Response.Header.SetContentType("text/plain; charset=UTF-8")
	case p.jsonp:
		// A JSONP session without b64 gets what 1.8.3 produces: the binary
		// payload as a JSON-serialised Node Buffer (useless to a JSONP
		// client; real ones always send b64=1).
		tp := payloadPool.Get().(*[]byte)
		*tp = packet.AppendBinaryPayload((*tp)[:0], ps)
		body = appendJSONPBuffer(body, p.jsonpIndex, *tp)
		payloadPool.Put(tp)
		ctx.Response.Header.SetContentType("text/plain; charset=UTF-8")
	case p.b64:
		body = packet.AppendStringPayload(body, ps)
		ctx.Response.Header.SetContentType("text/plain; charset=UTF-8")
	default:
		body = packet.AppendBinaryPayload(body, ps)
		ctx.Response.Header.SetContentType("application/octet-stream")
	}
	clear(ps)
	*sp = ps[:0]
	scratchPool.Put(sp)
	if !isShared(pkts) {
		sock.recycle(pkts)
	}

	out := body
	var cp *[]byte
	if s.cfg.httpComp && compress && len(body) >= s.cfg.httpThreshold {
		if enc := httpenc.Negotiate(ctx.Request.Header.Peek("Accept-Encoding")); enc != httpenc.None {
			cp = payloadPool.Get().(*[]byte)
			*cp = httpenc.Append((*cp)[:0], body, enc, s.cfg.httpLevel)
			out = *cp
			ctx.Response.Header.SetContentEncoding(enc.String())
		}
	}
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.Response.SetBody(out)
	s.pollHeaders(ctx, sock, !p.jsonp)
	putPayload(bp, body)
	if cp != nil {
		putPayload(cp, *cp)
	}
}

// appendJSONPBuffer writes ___eio[index]({"type":"Buffer","data":[...]});.
func appendJSONPBuffer(dst []byte, index string, payload []byte) []byte {
	dst = append(dst, "___eio["...)
	dst = append(dst, index...)
	dst = append(dst, `]({"type":"Buffer","data":[`...)
	for i, c := range payload {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, uint64(c), 10)
	}
	return append(dst, "]});"...)
}

func putPayload(bp *[]byte, b []byte) {
	if cap(b) > 64<<10 {
		return
	}
	*bp = b[:0]
	payloadPool.Put(bp)
}

func isShared(pkts []outPacket) bool {
	return len(pkts) > 0 && (&pkts[0] == &closePackets[0] || &pkts[0] == &noopPackets[0] || &pkts[0] == &noopClosePackets[0])
}

// pollHeaders adds CORS (XHR only), the IE header and the session cookie.
func (s *Server) pollHeaders(ctx *fasthttp.RequestCtx, sock *Socket, cors bool) {
	if cors {
		corsHeaders(ctx)
	}
	if ua := ctx.Request.Header.UserAgent(); bytes.Contains(ua, []byte(";MSIE")) || bytes.Contains(ua, []byte("Trident/")) {
		// Spelled as 1.8.3 does; fasthttp would write X-Xss-Protection.
		ctx.Response.Header.DisableNormalizing()
		ctx.Response.Header.Set("X-XSS-Protection", "0")
	}
	if sock.cookie != "" {
		ctx.Response.Header.Set("Set-Cookie", sock.cookie)
	}
}

func corsHeaders(ctx *fasthttp.RequestCtx) {
	if origin := ctx.Request.Header.Peek("Origin"); len(origin) > 0 {
		ctx.Response.Header.Set("Access-Control-Allow-Credentials", "true")
		ctx.Response.Header.SetBytesV("Access-Control-Allow-Origin", origin)
	} else {
		ctx.Response.Header.Set("Access-Control-Allow-Origin", "*")
	}
}

var decoderPool = sync.Pool{New: func() any { return new(packet.Decoder) }}

func (s *Server) pollPOST(ctx *fasthttp.RequestCtx, sock *Socket) {
	sock.mu.Lock()
	p, code := pollLookup(sock)
	if p == nil {
		sock.mu.Unlock()
		s.httpError(ctx, codeError(code))
		return
	}
	if p.posting {
		sock.finishLocked(ReasonTransportError) // data request overlap from client
		sock.unlock()
		ctx.SetStatusCode(fasthttp.StatusInternalServerError)
		return
	}
	if cl := ctx.Request.Header.ContentLength(); cl > 0 && int64(cl) > s.cfg.maxBuffer {
		sock.finishLocked(ReasonTransportError)
		sock.unlock()
		dropConnection(ctx)
		return
	}
	p.posting = true
	jsonp := p.jsonp
	sock.mu.Unlock()

	body, err := postBody(ctx, s.cfg.maxBuffer)
	if err != nil {
		// Too big (chunked), or the connection broke mid-body.
		sock.mu.Lock()
		p.posting = false
		sock.finishLocked(ReasonTransportError)
		sock.unlock()
		dropConnection(ctx)
		return
	}

	onPacket := func(pk packet.Packet) error {
		if pk.Type == packet.Close {
			sock.clientClose()
			return nil
		}
		sock.handlePacket(pk, sock.srv.now())
		return nil
	}
	sock.beginDeliver()
	switch {
	case jsonp:
		var d []byte
		if d, err = packet.DecodeJSONPForm(body); err == nil && d != nil {
			dec := decoderPool.Get().(*packet.Decoder)
			err = dec.DecodeStringPayload(d, onPacket)
			decoderPool.Put(dec)
		}
	case string(ctx.Request.Header.ContentType()) == "application/octet-stream":
		err = packet.DecodeBinaryPayload(body, onPacket)
	default:
		dec := decoderPool.Get().(*packet.Decoder)
		err = dec.DecodeStringPayload(body, onPacket)
		decoderPool.Put(dec)
	}
	if err != nil {
		s.cfg.log.Debug("engineio: bad POST payload", "sid", sock.id, "err", err)
		if errors.Is(err, packet.ErrParse) {
			sock.parseError()
		}
	}
	sock.batchEnd()
	sock.endDeliver()

	sock.mu.Lock()
	p.posting = false
	sock.mu.Unlock()

	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.Response.Header.SetContentType("text/html")
	ctx.Response.SetBodyString("ok")
	s.pollHeaders(ctx, sock, !jsonp)
}

var errBodyTooBig = errors.New("engineio: POST body larger than maxHttpBufferSize")

// postBody returns the POST body, at most max bytes. A server with
// StreamRequestBody (Serve's) hands bodies above its MaxRequestBodySize to
// the handler as a stream, so an oversized one is noticed here instead of
// being refused by fasthttp with 413.
func postBody(ctx *fasthttp.RequestCtx, max int64) ([]byte, error) {
	stream := ctx.RequestBodyStream()
	if stream == nil {
		b := ctx.PostBody()
		if int64(len(b)) > max {
			return nil, errBodyTooBig
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(stream, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, errBodyTooBig
	}
	return b, nil
}

// clientClose handles a close packet received over polling: a parked GET
// gets a noop and the session ends with "transport close".
func (sock *Socket) clientClose() {
	sock.mu.Lock()
	if p := sock.poll; p != nil && !p.closed && sock.ws == nil {
		if w := p.get; w != nil {
			p.get = nil
			w.assign(noopPackets)
		}
		sock.finishLocked(ReasonTransportClose)
	}
	sock.unlock()
}

// dropConnection closes the request's connection without any response.
func dropConnection(ctx *fasthttp.RequestCtx) {
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(c net.Conn) {
		if uc, ok := c.(interface{ UnsafeConn() net.Conn }); ok {
			_ = uc.UnsafeConn().Close()
		}
		_ = c.Close()
	})
}

// aLongTimeAgo is a read deadline in the past: it makes a blocked Read
// return at once.
var aLongTimeAgo = time.Unix(1, 0)

// connProbe watches the connection of a parked GET. fasthttp gives a handler
// no close notification; the connection of a parked long poll is otherwise
// idle (an HTTP/1.1 client does not send another request on it before the
// response), so a one-byte Read that returns tells us the peer closed it
// (EOF/reset) — or, rarely, pipelined a request, whose first byte is then
// consumed and the connection must be closed after the response.
type connProbe struct {
	c        net.Conn
	dropped  chan struct{}
	done     chan struct{}
	consumed bool
}

func startProbe(c net.Conn) *connProbe {
	pr := &connProbe{c: c, dropped: make(chan struct{}), done: make(chan struct{})}
	if c == nil || c.SetReadDeadline(time.Time{}) != nil {
		close(pr.done)
		return pr
	}
	go func() {
		defer close(pr.done)
		var b [1]byte
		n, err := c.Read(b[:])
		if n > 0 {
			pr.consumed = true
			return
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return // our stop, or a deadline someone else set
		}
		close(pr.dropped)
	}()
	return pr
}

// stop ends the probe and reports whether it consumed request bytes.
func (pr *connProbe) stop() bool {
	select {
	case <-pr.done:
	default:
		_ = pr.c.SetReadDeadline(aLongTimeAgo)
		<-pr.done
	}
	if pr.c != nil {
		_ = pr.c.SetReadDeadline(time.Time{})
	}
	return pr.consumed
}
