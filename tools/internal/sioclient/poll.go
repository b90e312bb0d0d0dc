package sioclient

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// PollConfig adds polling knobs to Config.
type PollConfig struct {
	Config
	// B64 sends b64=1 at the handshake, as the Node.js client does: the
	// server then answers with string payloads; otherwise (XHR2 browsers)
	// with binary payloads.
	B64 bool
	// RequestTimeout bounds one HTTP request, including a parked GET;
	// default 60s (longer than the default pingInterval, so a GET parked
	// until the next pong does not time out).
	RequestTimeout time.Duration
	// MaxConns caps keep-alive connections to the server; default 1024.
	MaxConns int
}

// Poller opens XHR-polling sessions over a shared keep-alive HTTP client.
// Safe for concurrent use.
type Poller struct {
	cfg     PollConfig
	hc      *fasthttp.HostClient
	base    string // scheme://host/path/?EIO=3&transport=polling[&b64=1][&query]
	sources []*net.TCPAddr
	next    atomic.Uint32
	conn    []byte
}

// NewPoller validates cfg.
func NewPoller(cfg PollConfig) (*Poller, error) {
	if cfg.Path == "" {
		cfg.Path = "/socket.io/"
	}
	if !strings.HasSuffix(cfg.Path, "/") {
		cfg.Path += "/"
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "/"
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 60 * time.Second
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = 10 * time.Second
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 1024
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = MaxMessage
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("sioclient: bad URL %q: %w", cfg.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "ws" {
		return nil, fmt.Errorf("sioclient: URL %q: scheme must be http", cfg.URL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("sioclient: URL %q has no host", cfg.URL)
	}
	p := &Poller{cfg: cfg, sources: sourceAddrs(cfg.SourceAddrs)}
	p.base = "http://" + u.Host + cfg.Path + "?EIO=3&transport=polling"
	if cfg.B64 {
		p.base += "&b64=1"
	}
	if cfg.Query != "" {
		p.base += "&" + cfg.Query
	}
	p.hc = &fasthttp.HostClient{
		Addr:                u.Host,
		MaxConns:            cfg.MaxConns,
		MaxConnWaitTimeout:  cfg.RequestTimeout,
		MaxResponseBodySize: cfg.MaxMessage,
		ReadTimeout:         cfg.RequestTimeout,
		WriteTimeout:        cfg.RequestTimeout,
		Dial:                p.dialTCP,
		// POSTs are not idempotent; a silently retried POST would
		// duplicate an emit.
		MaxIdemponentCallAttempts: 1,
	}
	if cfg.Namespace != "/" {
		p.conn = AppendConnect(nil, cfg.Namespace)
	}
	return p, nil
}

func (p *Poller) dialTCP(addr string) (net.Conn, error) {
	nd := net.Dialer{Control: bindNoPort, Timeout: p.cfg.HandshakeTimeout}
	if len(p.sources) > 0 {
		nd.LocalAddr = p.sources[int(p.next.Add(1))%len(p.sources)]
	}
	return nd.Dial("tcp", addr)
}

// CloseIdle closes idle keep-alive connections.
func (p *Poller) CloseIdle() { p.hc.CloseIdleConnections() }

// PollConn is one engine.io session over XHR polling. One goroutine only.
type PollConn struct {
	Open    Open
	p       *Poller
	url     string
	req     *fasthttp.Request
	resp    *fasthttp.Response
	post    []byte
	scratch []byte
}

// Dial performs the polling handshake and waits for the namespace CONNECT.
func (p *Poller) Dial(ctx context.Context) (*PollConn, error) {
	c := &PollConn{p: p, req: fasthttp.AcquireRequest(), resp: fasthttp.AcquireResponse()}
	ok := false
	defer func() {
		if !ok {
			c.release()
		}
	}()
	deadline := time.Now().Add(p.cfg.HandshakeTimeout)
	if dl, has := ctx.Deadline(); has && dl.Before(deadline) {
		deadline = dl
	}
	var open []byte
	err := c.get(p.base, deadline, func(pkt []byte) error {
		if open == nil {
			open = append([]byte(nil), pkt...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sioclient: polling handshake: %w", err)
	}
	if c.Open, err = ParseOpen(open); err != nil {
		return nil, err
	}
	c.url = p.base + "&sid=" + url.QueryEscape(c.Open.SID)
	if p.conn != nil {
		if err := c.Post(p.conn); err != nil {
			return nil, err
		}
	}
	for connected := false; !connected; {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("sioclient: polling: no CONNECT for %s before deadline", p.cfg.Namespace)
		}
		err := c.get(c.url, deadline, func(pkt []byte) error {
			if IsConnect(pkt, p.cfg.Namespace) {
				connected = true
			} else if len(pkt) >= 2 && pkt[0] == EngineMessage && pkt[1] == SIOError {
				return fmt.Errorf("%w: namespace %s refused: %q", ErrProtocol, p.cfg.Namespace, clip(pkt))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("sioclient: polling: waiting for CONNECT: %w", err)
		}
	}
	ok = true
	return c, nil
}

func (c *PollConn) release() {
	if c.req != nil {
		fasthttp.ReleaseRequest(c.req)
		fasthttp.ReleaseResponse(c.resp)
		c.req, c.resp = nil, nil
	}
}

// Get performs one GET (parking until the server has something) and calls
// fn for each packet of the response, in order. Text packets are passed as
// their text ("42[...]"); binary entries of a binary payload as type byte +
// data. pkt is valid only during fn.
func (c *PollConn) Get(fn func(pkt []byte) error) error {
	return c.get(c.url, time.Now().Add(c.p.cfg.RequestTimeout), fn)
}

func (c *PollConn) get(u string, deadline time.Time, fn func(pkt []byte) error) error {
	if c.req == nil {
		return fmt.Errorf("sioclient: polling connection closed")
	}
	c.req.Reset()
	c.req.Header.SetMethod(fasthttp.MethodGet)
	c.req.SetRequestURI(u)
	c.resp.Reset()
	if err := c.p.hc.DoDeadline(c.req, c.resp, deadline); err != nil {
		return err
	}
	if sc := c.resp.StatusCode(); sc != fasthttp.StatusOK {
		return fmt.Errorf("%w: GET status %d: %q", ErrProtocol, sc, clip(c.resp.Body()))
	}
	body := c.resp.Body()
	if string(c.resp.Header.ContentType()) == "application/octet-stream" {
		return DecodeBinaryPayload(body, func(pkt []byte, _ bool) error { return fn(pkt) })
	}
	return DecodeStringPayload(body, &c.scratch, fn)
}

// Post sends packets (engine.io text packets) in one POST as a string payload.
func (c *PollConn) Post(pkts ...[]byte) error {
	if c.req == nil {
		return fmt.Errorf("sioclient: polling connection closed")
	}
	c.post = AppendStringPayload(c.post[:0], pkts...)
	c.req.Reset()
	c.req.Header.SetMethod(fasthttp.MethodPost)
	c.req.Header.SetContentType("text/plain;charset=UTF-8")
	c.req.SetRequestURI(c.url)
	c.req.SetBodyRaw(c.post)
	c.resp.Reset()
	if err := c.p.hc.DoDeadline(c.req, c.resp, time.Now().Add(c.p.cfg.RequestTimeout)); err != nil {
		return err
	}
	if sc := c.resp.StatusCode(); sc != fasthttp.StatusOK {
		return fmt.Errorf("%w: POST status %d: %q", ErrProtocol, sc, clip(c.resp.Body()))
	}
	return nil
}

var closePkt = []byte{EngineClose}

// Close asks the server to close the session (a "1" packet) and releases
// the request objects. It does not wait for a parked GET.
func (c *PollConn) Close() error {
	if c.req == nil {
		return nil
	}
	err := c.Post(closePkt)
	c.release()
	return err
}
