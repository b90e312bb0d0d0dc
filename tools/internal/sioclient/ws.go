package sioclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MaxMessage is the default limit on one received message.
const MaxMessage = 1 << 20

// Config says where and how to connect. The zero value of every field except
// URL has a usable default.
type Config struct {
	// URL is the server base, e.g. "http://127.0.0.1:3000"; scheme http or ws.
	URL string
	// Path is the engine.io path; default "/socket.io/".
	Path string
	// Namespace to CONNECT to after the handshake; default "/" (which the
	// server joins implicitly: the client only waits for "40").
	Namespace string
	// Query is extra handshake query text ("a=1&b=2"), appended as-is.
	Query string
	// SourceAddrs is how many loopback source addresses (127.0.0.2, .3, ...)
	// connections rotate over; 0 or 1 means the kernel's default choice.
	// More addresses = more ephemeral ports, which matters when many short
	// connections leave sockets in TIME_WAIT.
	SourceAddrs int
	// HandshakeTimeout bounds dial + open packet + CONNECT; default 10s.
	HandshakeTimeout time.Duration
	// ReadBufferSize of a websocket connection; default 2048, at least 256.
	// The server's upgrade response headers must fit in it.
	ReadBufferSize int
	// MaxMessage is the receive limit; default MaxMessage.
	MaxMessage int
}

// Dialer opens websocket sessions. Safe for concurrent use.
type Dialer struct {
	cfg     Config
	wsURL   string
	addr    string // host:port to dial
	reqHead []byte // upgrade request up to the Sec-WebSocket-Key value
	reqTail []byte // the rest of the upgrade request after the key
	sources []*net.TCPAddr
	next    atomic.Uint32
	conn    []byte // pre-encoded CONNECT for a non-root namespace
}

// NewDialer validates cfg and prepares a Dialer.
func NewDialer(cfg Config) (*Dialer, error) {
	if cfg.Path == "" {
		cfg.Path = "/socket.io/"
	}
	if !strings.HasSuffix(cfg.Path, "/") {
		cfg.Path += "/"
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "/"
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = 10 * time.Second
	}
	if cfg.ReadBufferSize <= 0 {
		cfg.ReadBufferSize = 2048
	}
	if cfg.ReadBufferSize < 256 {
		cfg.ReadBufferSize = 256
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = MaxMessage
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("sioclient: bad URL %q: %w", cfg.URL, err)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	default:
		return nil, fmt.Errorf("sioclient: URL %q: scheme must be http or ws", cfg.URL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("sioclient: URL %q has no host", cfg.URL)
	}
	q := "EIO=3&transport=websocket"
	if cfg.Query != "" {
		q += "&" + cfg.Query
	}
	d := &Dialer{cfg: cfg, wsURL: u.Scheme + "://" + u.Host + cfg.Path + "?" + q}
	d.addr = u.Host
	if u.Port() == "" {
		d.addr = net.JoinHostPort(u.Hostname(), "80")
	}
	d.reqHead, d.reqTail = upgradeRequest(u.Host, cfg.Path+"?"+q)
	d.sources = sourceAddrs(cfg.SourceAddrs)
	if cfg.Namespace != "/" {
		d.conn = AppendConnect(nil, cfg.Namespace)
	}
	return d, nil
}

// Config returns the effective configuration (defaults filled in).
func (d *Dialer) Config() Config { return d.cfg }

func sourceAddrs(n int) []*net.TCPAddr {
	if n <= 1 {
		return nil
	}
	if n > 250 {
		n = 250
	}
	out := make([]*net.TCPAddr, n)
	for i := range out {
		out[i] = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i))}
	}
	return out
}

func (d *Dialer) dialTCP(ctx context.Context, deadline time.Time) (net.Conn, error) {
	// KeepAlive -1: no SO_KEEPALIVE and its three interval options, which
	// saves four setsockopt calls per connect; loopback peers do not vanish.
	nd := net.Dialer{Control: bindNoPort, Deadline: deadline, KeepAlive: -1}
	if len(d.sources) > 0 {
		nd.LocalAddr = d.sources[int(d.next.Add(1))%len(d.sources)]
	}
	return nd.DialContext(ctx, "tcp", d.addr)
}

// WSConn is one engine.io session over websocket, connected to a namespace.
type WSConn struct {
	Open Open
	c    net.Conn
	nsp  string
	wmu  sync.Mutex
	r    frameReader
}

// Dial opens a websocket session: TCP + upgrade, the open packet, and the
// socket.io CONNECT of the configured namespace. The whole handshake is
// bounded by HandshakeTimeout and ends early when ctx is done.
func (d *Dialer) Dial(ctx context.Context) (*WSConn, error) {
	deadline := time.Now().Add(d.cfg.HandshakeTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	c, err := d.dialTCP(ctx, deadline)
	if err != nil {
		return nil, fmt.Errorf("sioclient: dial %s: %w", d.wsURL, err)
	}
	w := &WSConn{c: c, nsp: d.cfg.Namespace}
	w.r.init(c, d.cfg.ReadBufferSize, d.cfg.MaxMessage)
	_ = c.SetDeadline(deadline)
	// A cancelled ctx expires the deadline, which ends a blocked read or
	// write; cheaper than a context with its own timer per connection.
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	}
	err = d.handshake(w)
	if stop != nil && !stop() && err == nil {
		err = fmt.Errorf("sioclient: dial %s: %w", d.wsURL, ctx.Err())
	}
	if err != nil {
		c.Close()
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w (%w)", err, cerr)
		}
		return nil, err
	}
	_ = c.SetDeadline(time.Time{})
	return w, nil
}

// handshake runs the upgrade, reads the open packet and waits for the
// namespace's CONNECT.
func (d *Dialer) handshake(w *WSConn) error {
	if err := d.upgrade(w); err != nil {
		return fmt.Errorf("sioclient: dial %s: %w", d.wsURL, err)
	}
	pkt, err := w.Read()
	if err != nil {
		return fmt.Errorf("sioclient: reading open packet: %w", err)
	}
	if w.Open, err = ParseOpen(pkt); err != nil {
		return err
	}
	if d.conn != nil {
		if err := w.Write(d.conn); err != nil {
			return err
		}
	}
	for {
		pkt, err := w.Read()
		if err != nil {
			return fmt.Errorf("sioclient: waiting for CONNECT of %s: %w", w.nsp, err)
		}
		if IsConnect(pkt, w.nsp) {
			return nil
		}
		if len(pkt) >= 2 && pkt[0] == EngineMessage && pkt[1] == SIOError {
			return fmt.Errorf("%w: namespace %s refused: %q", ErrProtocol, w.nsp, clip(pkt))
		}
	}
}

// upgrade writes the upgrade request and checks the response; bytes the
// server sent after the response headers stay in w.r's buffer.
func (d *Dialer) upgrade(w *WSConn) error {
	var key [keyLen]byte
	newKey(&key)
	buf := w.r.buf[:0]
	buf = append(buf, d.reqHead...)
	buf = append(buf, key[:]...)
	buf = append(buf, d.reqTail...)
	if _, err := w.c.Write(buf); err != nil {
		return err
	}
	return w.r.readUpgradeResponse(&key)
}

// Namespace returns the namespace this connection joined.
func (w *WSConn) Namespace() string { return w.nsp }

// Write sends one engine.io text packet (one websocket text frame). Safe
// to call concurrently with other writes and with Read.
func (w *WSConn) Write(pkt []byte) error {
	return w.writeFrame(opText, pkt)
}

func (w *WSConn) writeFrame(op byte, payload []byte) error {
	bp := getWriteBuf()
	b := appendFrame((*bp)[:0], op, payload)
	w.wmu.Lock()
	_, err := w.c.Write(b)
	w.wmu.Unlock()
	*bp = b
	putWriteBuf(bp)
	return err
}

var pingPkt = []byte{EnginePing}

// Ping sends an engine.io ping ("2").
func (w *WSConn) Ping() error { return w.Write(pingPkt) }

// ErrTooLarge is returned by Read for a message above the size limit.
var ErrTooLarge = errors.New("sioclient: message too large")

// Read returns the next text or binary message. Binary frames are returned
// as they are (type byte + data). The slice is valid until the next Read.
// A websocket ping is answered with a pong; a close frame ends in an error.
func (w *WSConn) Read() ([]byte, error) {
	for {
		op, msg, err := w.r.next()
		if err != nil {
			return nil, err
		}
		switch op {
		case opText, opBinary:
			return msg, nil
		case opPing:
			// Best effort, as a browser would; a failed pong shows up as a
			// failed read or write later.
			_ = w.writeFrame(opPong, msg)
		case opClose:
			code, reason := parseClose(msg)
			_ = w.writeFrame(opClose, msg[:min(len(msg), 2)])
			return nil, &CloseError{Code: code, Reason: reason}
		}
		// pong: nothing to do
	}
}

// SetReadDeadline bounds the next Reads.
func (w *WSConn) SetReadDeadline(t time.Time) error { return w.c.SetReadDeadline(t) }

var closeNormal = []byte{0x03, 0xe8} // 1000

// Close sends a websocket close frame (best effort, bounded to one second)
// and closes the TCP connection. It may be called from any goroutine; a
// concurrent Read then fails.
func (w *WSConn) Close() error {
	_ = w.c.SetWriteDeadline(time.Now().Add(time.Second))
	_ = w.writeFrame(opClose, closeNormal)
	return w.c.Close()
}

// Abort closes the TCP connection without a close frame.
func (w *WSConn) Abort() error { return w.c.Close() }
