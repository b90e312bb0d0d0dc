package interop

// Helpers of the hostile suite (hostile_eio_test.go, hostile_sio_test.go):
// in-process servers whose Close is checked for hangs and leftover
// goroutines, raw HTTP and WebSocket clients that can send anything, and a
// "healthy" client whose echo loop must keep working while an attack runs.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/fastsio/fastsio/engineio"
	"github.com/fastsio/fastsio/socketio"
	"github.com/fastsio/fastsio/tools/cmd/testapp/app"
)

// hostileCloseDeadline is the hang detector for Server.Close, not a timing
// assertion: a correct server closes in well under a second.
const hostileCloseDeadline = 10 * time.Second

// hostileIO bounds every single network read or write of the test clients
// so a server bug shows up as a test failure instead of a hung test.
const hostileIO = 10 * time.Second

// eioHostile is an in-process engine.io echo server. Messages "flood:N"
// make the server send 64 KiB messages to that socket until Send fails (at
// most N of them) and report Send's error on floodErr.
type eioHostile struct {
	url      string
	host     string
	srv      *engineio.Server
	reasons  chan string   // OnClose reasons, in order
	floodErr chan error    // result of a "flood" request
	messages chan struct{} // one per message received
	closer
}

// closer runs a server's shutdown check once: explicitly (Close) while
// the attackers' connections are still open, or at cleanup. (Cleanups
// run last-in first-out, so connections a test opened are closed BEFORE
// a cleanup registered by the server's constructor: tests that must close
// the server under a live attacker call Close themselves.)
type closer struct {
	once     sync.Once
	shutdown func(t *testing.T)
}

func (c *closer) Close(t *testing.T) {
	t.Helper()
	c.once.Do(func() { c.shutdown(t) })
}

func startEIOHostile(t *testing.T, opts *engineio.Options) *eioHostile {
	t.Helper()
	srv, err := engineio.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &eioHostile{srv: srv, reasons: make(chan string, 4096), floodErr: make(chan error, 16), messages: make(chan struct{}, 1<<16)}
	big := bytes.Repeat([]byte("x"), 64<<10)
	srv.OnConnection(func(s *engineio.Socket) {
		s.OnClose(func(r string) { h.reasons <- r })
		s.OnMessage(func(data []byte, binary bool) {
			select {
			case h.messages <- struct{}{}:
			default:
			}
			if !binary && bytes.HasPrefix(data, []byte("flood:")) {
				n, _ := strconv.Atoi(string(data[len("flood:"):]))
				var err error
				for i := 0; i < n && err == nil; i++ {
					err = s.Send([]engineio.Message{{Data: big}}, engineio.SendOptions{})
				}
				h.floodErr <- err
				return
			}
			_ = s.Send([]engineio.Message{{Data: bytes.Clone(data), Binary: binary}}, engineio.SendOptions{})
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	h.shutdown = func(t *testing.T) {
		hostileClose(t, "engineio", func(ctx context.Context) error { return srv.Close(ctx) })
		select {
		case err := <-served:
			if !errors.Is(err, engineio.ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(hostileCloseDeadline):
			t.Errorf("Serve did not return after Close")
		}
		hostileNoLeaks(t)
	}
	t.Cleanup(func() { h.Close(t) })
	h.host = ln.Addr().String()
	h.url = "http://" + h.host + "/engine.io/"
	return h
}

// waitReason waits for the next OnClose reason.
func (h *eioHostile) waitReason(t *testing.T) string {
	t.Helper()
	select {
	case r := <-h.reasons:
		return r
	case <-time.After(hostileIO):
		t.Fatalf("no session closed within %v", hostileIO)
		return ""
	}
}

// expectReason waits for a close with the given reason; other reasons
// (the healthy client's are never among them: it stays open) fail.
func (h *eioHostile) expectReason(t *testing.T, want string) {
	t.Helper()
	if got := h.waitReason(t); got != want {
		t.Errorf("close reason %q, want %q", got, want)
	}
}

// hostileClose calls close with the hang-detector deadline.
func hostileClose(t *testing.T, what string, close func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileCloseDeadline)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- close(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s Close: %v (hang: Close did not finish gracefully within %v)", what, err, hostileCloseDeadline)
		}
	case <-time.After(hostileCloseDeadline + 5*time.Second):
		t.Errorf("%s Close hangs even after its context ended", what)
	}
}

// hostileNoLeaks fails t if goroutines of the servers (engineio,
// socketio, fasthttp, the WebSocket library) outlive Close.
func hostileNoLeaks(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 4<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var left []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			// fasthttp's idle-worker cleaner sleeps up to
			// MaxIdleWorkerDuration (10 s) after Serve returned before
			// it sees the stop and exits; it holds nothing.
			if strings.Contains(g, "hostileNoLeaks") || strings.Contains(g, "updateServerDate") ||
				strings.Contains(g, "fasthttp.(*workerPool).Start.func") {
				continue
			}
			if strings.Contains(g, "fastsio/engineio.") || strings.Contains(g, "fastsio/socketio.") ||
				strings.Contains(g, "valyala/fasthttp.") || strings.Contains(g, "fasthttp/websocket.") {
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d server goroutine(s) left after Close:\n%s", len(left), strings.Join(left, "\n\n"))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sioHostile is the contract testapp in-process.
type sioHostile struct {
	url  string
	host string
	srv  *socketio.Server
	closer
}

func startSIOHostile(t *testing.T, opts *socketio.Options) *sioHostile {
	t.Helper()
	srv, err := socketio.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	app.Register(srv, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	h := &sioHostile{url: "http://" + ln.Addr().String() + "/socket.io/", host: ln.Addr().String(), srv: srv}
	h.shutdown = func(t *testing.T) {
		hostileClose(t, "socketio", func(ctx context.Context) error { return srv.Close(ctx) })
		select {
		case err := <-served:
			if !errors.Is(err, socketio.ErrServerClosed) {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(hostileCloseDeadline):
			t.Errorf("Serve did not return after Close")
		}
		hostileNoLeaks(t)
	}
	t.Cleanup(func() { h.Close(t) })
	return h
}

// ---- raw HTTP ----

// rawResponse is an HTTP response read off a raw connection.
type rawResponse struct {
	status int
	body   string
}

// rawHTTP writes req (complete bytes) on a fresh connection and reads the
// response; dropped reports that the server closed without answering.
func rawHTTP(t *testing.T, host string, req []byte) (resp rawResponse, dropped bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", host, hostileIO)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(hostileIO))
	if _, err := c.Write(req); err != nil {
		return rawResponse{}, true
	}
	return readRawResponse(t, c)
}

func readRawResponse(t *testing.T, c net.Conn) (rawResponse, bool) {
	t.Helper()
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("no response within %v", hostileIO)
		}
		return rawResponse{}, true
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading response body: %v", err)
	}
	return rawResponse{status: r.StatusCode, body: string(b)}, false
}

func httpReq(method, target string, header string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: x\r\n%s", method, target, header)
	if body != nil {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

var sidRE = regexp.MustCompile(`"sid":"([^"]+)"`)

// pollHandshake opens a polling session (b64 string payloads) and returns
// its sid and the query prefix for its requests.
func pollHandshake(t *testing.T, host, path string) (sid, q string) {
	t.Helper()
	resp, dropped := rawHTTP(t, host, httpReq("GET", path+"?EIO=3&transport=polling&b64=1", "", nil))
	if dropped || resp.status != 200 {
		t.Fatalf("handshake: %+v dropped=%v", resp, dropped)
	}
	m := sidRE.FindStringSubmatch(resp.body)
	if m == nil {
		t.Fatalf("handshake body %q", resp.body)
	}
	return m[1], path + "?EIO=3&transport=polling&b64=1&sid=" + m[1]
}

// ---- raw WebSocket ----

// rawWS is a client WebSocket connection written frame by frame.
type rawWS struct {
	c  net.Conn
	br *bufio.Reader
}

// dialRawWS performs the WebSocket handshake on target (path?query).
func dialRawWS(t *testing.T, host, target string) *rawWS {
	t.Helper()
	c, err := net.DialTimeout("tcp", host, hostileIO)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key[:]) + "\r\n\r\n"
	_ = c.SetDeadline(time.Now().Add(hostileIO))
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	r, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("ws handshake: %v", err)
	}
	if r.StatusCode != 101 {
		t.Fatalf("ws handshake status %d", r.StatusCode)
	}
	_ = c.SetDeadline(time.Time{})
	return &rawWS{c: c, br: br}
}

// frame writes one masked frame; fin and opcode as given, rsv adds RSV bits.
func (w *rawWS) frame(fin bool, opcode byte, payload []byte) error {
	return w.frameLen(fin, opcode, payload, uint64(len(payload)), 0)
}

// frameLen writes a frame header claiming n payload bytes and then
// payload (which may be shorter: a lie).
func (w *rawWS) frameLen(fin bool, opcode byte, payload []byte, n uint64, rsv byte) error {
	var h []byte
	b0 := opcode | rsv
	if fin {
		b0 |= 0x80
	}
	h = append(h, b0)
	switch {
	case n < 126:
		h = append(h, 0x80|byte(n))
	case n <= 0xFFFF:
		h = append(h, 0x80|126, byte(n>>8), byte(n))
	default:
		h = append(h, 0x80|127)
		h = binary.BigEndian.AppendUint64(h, n)
	}
	mask := [4]byte{1, 2, 3, 4}
	h = append(h, mask[:]...)
	p := make([]byte, len(payload))
	for i := range payload {
		p[i] = payload[i] ^ mask[i%4]
	}
	_ = w.c.SetWriteDeadline(time.Now().Add(hostileIO))
	_, err := w.c.Write(append(h, p...))
	return err
}

func (w *rawWS) text(s string) error { return w.frame(true, 1, []byte(s)) }

// read returns the next data frame (opcode, payload); control frames other
// than close are skipped; a close frame returns opcode 8.
func (w *rawWS) read() (byte, []byte, error) {
	for {
		_ = w.c.SetReadDeadline(time.Now().Add(hostileIO))
		var h [2]byte
		if _, err := io.ReadFull(w.br, h[:]); err != nil {
			return 0, nil, err
		}
		op := h[0] & 0x0F
		n := uint64(h[1] & 0x7F)
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(w.br, e[:]); err != nil {
				return 0, nil, err
			}
			n = uint64(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(w.br, e[:]); err != nil {
				return 0, nil, err
			}
			n = binary.BigEndian.Uint64(e[:])
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(w.br, p); err != nil {
			return 0, nil, err
		}
		if op == 9 || op == 10 {
			continue
		}
		return op, p, nil
	}
}

// expectClose reads until the server's close frame or the end of the
// connection, returning the close code (0 if none).
func (w *rawWS) expectClose(t *testing.T) int {
	t.Helper()
	for {
		op, p, err := w.read()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("server neither closed the WebSocket nor sent anything within %v", hostileIO)
			}
			return 0
		}
		if op == 8 {
			if len(p) >= 2 {
				return int(binary.BigEndian.Uint16(p))
			}
			return 1005
		}
	}
}

// readText returns the next text frame's payload.
func (w *rawWS) readText(t *testing.T) string {
	t.Helper()
	op, p, err := w.read()
	if err != nil || op != 1 {
		t.Fatalf("want a text frame, got op %d %q err %v", op, p, err)
	}
	return string(p)
}

// ---- healthy client ----

// healthy is a well-behaved client running an echo loop next to an
// attack: every reply must arrive, in order. Stop requires a few more
// round trips after the attack, then ends the loop.
type healthy struct {
	stop  chan struct{}
	done  chan struct{}
	err   error
	extra int // round trips still required after stop
}

// startHealthyEIO connects a WebSocket engine.io client to h and echoes
// "4healthy-N" messages.
func startHealthyEIO(t *testing.T, host, path string) *healthy {
	t.Helper()
	return startHealthy(t, host, path, "", 5, func(i int) string { return "4healthy-" + strconv.Itoa(i) },
		func(i int) string { return "4healthy-" + strconv.Itoa(i) })
}

// startHealthySIO connects a socket.io client (namespace "/") over
// WebSocket and emits echo events, expecting them back in order.
func startHealthySIO(t *testing.T, host string) *healthy {
	t.Helper()
	msg := func(i int) string { return `42["echo","healthy",` + strconv.Itoa(i) + `]` }
	return startHealthy(t, host, "/socket.io/", "40", 5, msg, msg)
}

func startHealthy(t *testing.T, host, path, greeting string, extra int, send, want func(int) string) *healthy {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: hostileIO}
	conn, _, err := d.Dial("ws://"+host+path+"?EIO=3&transport=websocket", nil)
	if err != nil {
		t.Fatalf("healthy client: %v", err)
	}
	readText := func() (string, error) {
		for {
			_ = conn.SetReadDeadline(time.Now().Add(hostileIO))
			_, p, err := conn.ReadMessage()
			if err != nil {
				return "", err
			}
			if s := string(p); s != "3" { // pongs do not count
				return s, nil
			}
		}
	}
	if open, err := readText(); err != nil || !strings.HasPrefix(open, "0{") {
		t.Fatalf("healthy client open: %q %v", open, err)
	}
	if greeting != "" {
		if g, err := readText(); err != nil || g != greeting {
			t.Fatalf("healthy client greeting: %q %v", g, err)
		}
	}
	h := &healthy{stop: make(chan struct{}), done: make(chan struct{}), extra: extra}
	go func() {
		defer close(h.done)
		defer conn.Close()
		after := -1
		for i := 0; ; i++ {
			select {
			case <-h.stop:
				if after < 0 {
					after = i + h.extra
				}
			default:
			}
			if after >= 0 && i >= after {
				return
			}
			_ = conn.SetWriteDeadline(time.Now().Add(hostileIO))
			if err := conn.WriteMessage(websocket.TextMessage, []byte(send(i))); err != nil {
				h.err = fmt.Errorf("healthy client: write %d: %w", i, err)
				return
			}
			got, err := readText()
			if err != nil {
				h.err = fmt.Errorf("healthy client: reply %d: %w", i, err)
				return
			}
			if got != want(i) {
				h.err = fmt.Errorf("healthy client: reply %d = %q, want %q", i, got, want(i))
				return
			}
		}
	}()
	return h
}

// check ends the loop after a few more round trips and fails t if any
// reply was lost, late or out of order.
func (h *healthy) check(t *testing.T) {
	t.Helper()
	close(h.stop)
	select {
	case <-h.done:
	case <-time.After(2 * hostileIO):
		t.Fatal("healthy client hangs")
	}
	if h.err != nil {
		t.Error(h.err)
	}
}

// onceCloser closes a net.Conn with an RST instead of a FIN.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
