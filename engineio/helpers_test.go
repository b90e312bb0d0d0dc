package engineio

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/fastsio/fastsio/engineio/internal/leakcheck"
	"github.com/fastsio/fastsio/engineio/packet"
)

func TestMain(m *testing.M) {
	// Park idle WebSockets after 20 ms instead of a second, so that every
	// test exercises both the parked and the waiting reader.
	parkAfter = int64(20 * time.Millisecond)
	leakcheck.Main(m)
}

// waitTimeout bounds every wait in the tests (a deadline against hangs, not
// a timing assertion).
const waitTimeout = 10 * time.Second

// tsrv is a Server on a real 127.0.0.1 listener.
type tsrv struct {
	*Server
	t      *testing.T
	addr   string
	base   string // http://addr/engine.io/
	socks  chan *Socket
	closes chan closeEvent
	client *http.Client
}

type closeEvent struct {
	id     string
	reason string
}

// start serves opts on 127.0.0.1:0. Every session echoes nothing by
// default; setup may register handlers. Sessions are reported on ts.socks
// and their close reasons on ts.closes. Cleanup closes the server and checks
// that no goroutine is left.
func start(t *testing.T, opts *Options, setup func(*Socket)) *tsrv {
	t.Helper()
	return startWith(t, opts, setup, nil)
}

// startMounted serves Handler on a fasthttp.Server of the test's own, as a
// user mounting it under a router would; other answers 200 for the paths it
// claims.
func startMounted(t *testing.T, opts *Options, other func(path string) bool) *tsrv {
	t.Helper()
	return startWith(t, opts, nil, other)
}

func startWith(t *testing.T, opts *Options, setup func(*Socket), mounted func(path string) bool) *tsrv {
	t.Helper()
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := &tsrv{Server: srv, t: t, socks: make(chan *Socket, 100), closes: make(chan closeEvent, 100)}
	srv.OnConnection(func(s *Socket) {
		s.OnClose(func(reason string) {
			select {
			case ts.closes <- closeEvent{s.ID(), reason}:
			default:
			}
		})
		if setup != nil {
			setup(s)
		}
		select {
		case ts.socks <- s:
		default:
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	path := "/engine.io"
	if opts != nil && opts.Path != "" {
		path = strings.TrimSuffix(opts.Path, "/")
	}
	ts.base = "http://" + ts.addr + path + "/"
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 8}
	ts.client = &http.Client{Transport: tr, Timeout: waitTimeout}
	served := make(chan error, 1)
	var fs *fasthttp.Server
	if mounted == nil {
		go func() { served <- srv.Serve(ln) }()
	} else {
		fs = &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
			if mounted(string(ctx.Path())) {
				ctx.SetBodyString("hello")
				return
			}
			srv.Handler(ctx)
		}}
		go func() { served <- fs.Serve(ln) }()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		if fs != nil {
			if err := fs.ShutdownWithContext(ctx); err != nil {
				t.Errorf("fasthttp Shutdown: %v", err)
			}
			if err := <-served; err != nil {
				t.Errorf("fasthttp Serve: %v", err)
			}
		} else if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		tr.CloseIdleConnections()
		leakcheck.Check(t, "fastsio/engineio.", "fasthttp.")
	})
	return ts
}

// echo makes s send back what it receives.
func echo(s *Socket) {
	s.OnMessage(func(data []byte, binary bool) {
		_ = s.Send([]Message{{Data: bytes.Clone(data), Binary: binary}}, SendOptions{})
	})
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// do sends an HTTP request to base+"?"+query.
func (ts *tsrv) do(method, query string, hdr map[string]string, body []byte) resp {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.base+"?"+query, bytes.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	if body == nil {
		req.Body = nil
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, query, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		ts.t.Fatalf("%s %s: reading body: %v", method, query, err)
	}
	return resp{res.StatusCode, res.Header, b}
}

// doAsync runs do on a goroutine (for GETs that park).
func (ts *tsrv) doAsync(method, query string, hdr map[string]string, body []byte) <-chan resp {
	ch := make(chan resp, 1)
	go func() {
		req, _ := http.NewRequest(method, ts.base+"?"+query, bytes.NewReader(body))
		if body == nil {
			req.Body = nil
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := ts.client.Do(req)
		if err != nil {
			ch <- resp{status: -1, body: []byte(err.Error())}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		ch <- resp{res.StatusCode, res.Header, b}
	}()
	return ch
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

type openData struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
}

// handshake opens a polling session (query is appended) and returns the
// open packet data and the response.
func (ts *tsrv) handshake(query string) (openData, resp) {
	ts.t.Helper()
	r := ts.do("GET", "EIO=3&transport=polling"+query, nil, nil)
	if r.status != 200 {
		ts.t.Fatalf("handshake: status %d body %q", r.status, r.body)
	}
	pkts := decodePayload(ts.t, r)
	if len(pkts) != 1 || pkts[0].Type != packet.Open {
		ts.t.Fatalf("handshake: packets %v, want one open packet", pkts)
	}
	var od openData
	if err := json.Unmarshal(pkts[0].Data, &od); err != nil {
		ts.t.Fatalf("open packet %q: %v", pkts[0].Data, err)
	}
	return od, r
}

// openB64 opens a b64 polling session and returns its sid.
func (ts *tsrv) openB64() string {
	od, _ := ts.handshake("&b64=1")
	return od.SID
}

// decodePayload decodes a GET response by its Content-Type.
func decodePayload(t *testing.T, r resp) []packet.Packet {
	t.Helper()
	var out []packet.Packet
	keep := func(p packet.Packet) error {
		p.Data = bytes.Clone(p.Data)
		out = append(out, p)
		return nil
	}
	var err error
	switch ct := r.header.Get("Content-Type"); ct {
	case "application/octet-stream":
		err = packet.DecodeBinaryPayload(r.body, keep)
	case "text/plain; charset=UTF-8":
		err = packet.DecodeStringPayload(r.body, keep)
	default:
		t.Fatalf("unexpected Content-Type %q (status %d, body %q)", ct, r.status, r.body)
	}
	if err != nil {
		t.Fatalf("decoding payload %q: %v", r.body, err)
	}
	return out
}

func (ts *tsrv) poll(sid string) resp {
	return ts.do("GET", "EIO=3&transport=polling&sid="+sid, nil, nil)
}

func (ts *tsrv) pollAsync(sid string) <-chan resp {
	return ts.doAsync("GET", "EIO=3&transport=polling&sid="+sid, nil, nil)
}

// send POSTs a string payload.
func (ts *tsrv) send(sid string, payload string) resp {
	ts.t.Helper()
	r := ts.do("POST", "EIO=3&transport=polling&sid="+sid, map[string]string{"Content-Type": "text/plain;charset=UTF-8"}, []byte(payload))
	return r
}

func (ts *tsrv) sock(what string) *Socket { return recv(ts.t, ts.socks, what) }

func (ts *tsrv) closed(what string) closeEvent { return recv(ts.t, ts.closes, what) }

// waitClients waits until ClientsCount is n.
func (ts *tsrv) waitClients(n int) {
	ts.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for ts.ClientsCount() != n {
		if time.Now().After(deadline) {
			ts.t.Fatalf("ClientsCount = %d, want %d", ts.ClientsCount(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ---- WebSocket clients ----

// dialWS opens a WebSocket with gorilla's client.
func (ts *tsrv) dialWS(query string, hdr http.Header) *websocket.Conn {
	ts.t.Helper()
	u := "ws" + strings.TrimPrefix(ts.base, "http") + "?" + query
	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	c, res, err := d.Dial(u, hdr)
	if err != nil {
		ts.t.Fatalf("dial %s: %v (%v)", u, err, res)
	}
	ts.t.Cleanup(func() { c.Close() })
	return c
}

func readWS(t *testing.T, c *websocket.Conn) (int, []byte) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	mt, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("ws read: %v", err)
	}
	return mt, b
}

func readWSText(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	mt, b := readWS(t, c)
	if mt != websocket.TextMessage {
		t.Fatalf("got frame type %d (%x), want text", mt, b)
	}
	return string(b)
}

func writeWS(t *testing.T, c *websocket.Conn, mt int, data string) {
	t.Helper()
	if err := c.WriteMessage(mt, []byte(data)); err != nil {
		t.Fatalf("ws write: %v", err)
	}
}

// wsClosed reads until the connection ends and returns the close error.
func wsClosed(t *testing.T, c *websocket.Conn) error {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("websocket not closed by the server: %v", err)
			}
			return err
		}
	}
}

// openWS opens a WebSocket session and returns the conn and sid.
func (ts *tsrv) openWS(query string) (*websocket.Conn, openData) {
	ts.t.Helper()
	c := ts.dialWS("EIO=3&transport=websocket"+query, nil)
	msg := readWSText(ts.t, c)
	if !strings.HasPrefix(msg, "0{") {
		ts.t.Fatalf("first frame %q, want open packet", msg)
	}
	var od openData
	if err := json.Unmarshal([]byte(msg[1:]), &od); err != nil {
		ts.t.Fatal(err)
	}
	return c, od
}

// rawWS is a minimal frame-level WebSocket client for checks gorilla's
// client hides (RSV1, exact close frames).
type rawWS struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func (ts *tsrv) dialRaw(query string, extra string) (*rawWS, string) {
	ts.t.Helper()
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { c.Close() })
	var key [16]byte
	_, _ = rand.Read(key[:])
	k := base64.StdEncoding.EncodeToString(key[:])
	path := strings.TrimPrefix(ts.base, "http://"+ts.addr)
	fmt.Fprintf(c, "GET %s?%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n", path, query, ts.addr, k, extra)
	_ = c.SetDeadline(time.Now().Add(waitTimeout))
	br := bufio.NewReader(c)
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		head.WriteString(line)
		if err != nil || line == "\r\n" {
			break
		}
	}
	h := sha1.Sum([]byte(k + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if !strings.Contains(head.String(), base64.StdEncoding.EncodeToString(h[:])) {
		ts.t.Fatalf("no valid 101: %q", head.String())
	}
	return &rawWS{t: ts.t, c: c, br: br}, head.String()
}

type frame struct {
	fin, rsv1 bool
	op        byte
	data      []byte
}

func (w *rawWS) read() (frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(w.br, h[:]); err != nil {
		return frame{}, err
	}
	f := frame{fin: h[0]&0x80 != 0, rsv1: h[0]&0x40 != 0, op: h[0] & 0x0f}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(w.br, b[:]); err != nil {
			return f, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(w.br, b[:]); err != nil {
			return f, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	f.data = make([]byte, n)
	_, err := io.ReadFull(w.br, f.data)
	return f, err
}

func (w *rawWS) mustRead() frame {
	w.t.Helper()
	f, err := w.read()
	if err != nil {
		w.t.Fatalf("raw ws read: %v", err)
	}
	return f
}

func (w *rawWS) write(op byte, data []byte) {
	w.t.Helper()
	b := []byte{0x80 | op}
	switch {
	case len(data) < 126:
		b = append(b, 0x80|byte(len(data)))
	case len(data) < 65536:
		b = append(b, 0x80|126, byte(len(data)>>8), byte(len(data)))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(len(data)))
	}
	mask := [4]byte{1, 2, 3, 4}
	b = append(b, mask[:]...)
	for i, c := range data {
		b = append(b, c^mask[i%4])
	}
	if _, err := w.c.Write(b); err != nil {
		w.t.Fatalf("raw ws write: %v", err)
	}
}

// rawHTTP writes req to a new connection and returns everything the server
// sends until it closes the connection (or the deadline).
func rawHTTP(t *testing.T, addr, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(waitTimeout))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	return string(b)
}

// collector gathers messages a socket receives.
type collector struct {
	mu   sync.Mutex
	msgs []Message
	ch   chan struct{}
}

func newCollector(s *Socket) *collector {
	c := &collector{ch: make(chan struct{}, 1000)}
	s.OnMessage(func(data []byte, bin bool) {
		c.mu.Lock()
		c.msgs = append(c.msgs, Message{Data: bytes.Clone(data), Binary: bin})
		c.mu.Unlock()
		c.ch <- struct{}{}
	})
	return c
}

func (c *collector) wait(t *testing.T, n int) []Message {
	t.Helper()
	for {
		c.mu.Lock()
		got := len(c.msgs)
		c.mu.Unlock()
		if got >= n {
			break
		}
		recv(t, c.ch, fmt.Sprintf("message %d", got+1))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.msgs...)
}

func text(s string) []Message { return []Message{{Data: []byte(s)}} }
