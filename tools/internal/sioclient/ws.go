package sioclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
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
	// ReadBufferSize of a websocket connection; default 2048.
	ReadBufferSize int
	// MaxMessage is the receive limit; default MaxMessage.
	MaxMessage int
}

// Dialer opens websocket sessions. Safe for concurrent use.
type Dialer struct {
	cfg     Config
	wsURL   string
	ws      websocket.Dialer
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
	d.sources = sourceAddrs(cfg.SourceAddrs)
	d.ws = websocket.Dialer{
		HandshakeTimeout: cfg.HandshakeTimeout,
		ReadBufferSize:   cfg.ReadBufferSize,
		WriteBufferSize:  4096,
		// Writes are short and bursty; a shared pool keeps idle
		// connections from pinning a write buffer each.
		WriteBufferPool: &sync.Pool{},
		NetDialContext:  d.dialTCP,
	}
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

func (d *Dialer) dialTCP(ctx context.Context, network, addr string) (net.Conn, error) {
	nd := net.Dialer{Control: bindNoPort}
	if len(d.sources) > 0 {
		nd.LocalAddr = d.sources[int(d.next.Add(1))%len(d.sources)]
	}
	return nd.DialContext(ctx, network, addr)
}

// WSConn is one engine.io session over websocket, connected to a namespace.
type WSConn struct {
	Open Open
	c    *websocket.Conn
	nsp  string
	wmu  sync.Mutex
	buf  []byte
	max  int
}

// Dial opens a websocket session: TCP + upgrade, the open packet, and the
// socket.io CONNECT of the configured namespace.
func (d *Dialer) Dial(ctx context.Context) (*WSConn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.HandshakeTimeout)
	defer cancel()
	c, resp, err := d.ws.DialContext(ctx, d.wsURL, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("sioclient: dial %s: %w", d.wsURL, err)
	}
	w := &WSConn{c: c, nsp: d.cfg.Namespace, max: d.cfg.MaxMessage}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetReadDeadline(dl)
	}
	pkt, err := w.Read()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("sioclient: reading open packet: %w", err)
	}
	if w.Open, err = ParseOpen(pkt); err != nil {
		c.Close()
		return nil, err
	}
	if d.conn != nil {
		if err := w.Write(d.conn); err != nil {
			c.Close()
			return nil, err
		}
	}
	for {
		pkt, err := w.Read()
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("sioclient: waiting for CONNECT of %s: %w", w.nsp, err)
		}
		if IsConnect(pkt, w.nsp) {
			break
		}
		if len(pkt) >= 2 && pkt[0] == EngineMessage && pkt[1] == SIOError {
			c.Close()
			return nil, fmt.Errorf("%w: namespace %s refused: %q", ErrProtocol, w.nsp, clip(pkt))
		}
	}
	_ = c.SetReadDeadline(time.Time{})
	return w, nil
}

// Namespace returns the namespace this connection joined.
func (w *WSConn) Namespace() string { return w.nsp }

// Write sends one engine.io text packet (one websocket text frame). Safe
// to call concurrently with other writes and with Read.
func (w *WSConn) Write(pkt []byte) error {
	w.wmu.Lock()
	err := w.c.WriteMessage(websocket.TextMessage, pkt)
	w.wmu.Unlock()
	return err
}

var pingPkt = []byte{EnginePing}

// Ping sends an engine.io ping ("2").
func (w *WSConn) Ping() error { return w.Write(pingPkt) }

// ErrTooLarge is returned by Read for a message above the size limit.
var ErrTooLarge = errors.New("sioclient: message too large")

// Read returns the next message. Binary frames are returned as they are
// (type byte + data). The slice is valid until the next Read.
func (w *WSConn) Read() ([]byte, error) {
	_, r, err := w.c.NextReader()
	if err != nil {
		return nil, err
	}
	b := w.buf[:0]
	for {
		if len(b) == cap(b) {
			if cap(b) >= w.max {
				return nil, ErrTooLarge
			}
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	w.buf = b
	return b, nil
}

// SetReadDeadline bounds the next Reads.
func (w *WSConn) SetReadDeadline(t time.Time) error { return w.c.SetReadDeadline(t) }

// Close sends a websocket close frame (best effort, bounded) and closes the
// TCP connection. It may be called from any goroutine; a concurrent Read
// then fails.
func (w *WSConn) Close() error {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	_ = w.c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	return w.c.Close()
}

// Abort closes the TCP connection without a close frame.
func (w *WSConn) Abort() error { return w.c.Close() }
