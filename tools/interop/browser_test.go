package interop

// Live interop with a real browser: Debian's chromium, headless, runs the
// socket.io-client 1.7.3 browser bundle against the in-process Go contract
// app. It covers what only browsers do: XHR2 polling with binary payloads
// (ArrayBuffer both ways), JSONP polling (script GETs, form POSTs, b64) and
// the upgrade from XHR polling to the browser's WebSocket, each with text
// (unicode incl. astral, U+2028), binary, acks both ways, rooms, the /chat
// namespace, /auth rejection and acceptance, middleware errors.
//
// The page (browser/index.html + browser/scenario.js) POSTs every step's
// observed values to /result; this file holds the exact expected values.
// Three server setups:
//   - same-origin: the Go app serves the page (Options.Fallback), the
//     bundle (its client file route, ClientFS on node_modules: served at
//     run time, never committed) and socket.io;
//   - cross-origin: the page comes from another port, so the browser adds
//     Origin, CORS and the preflight of binary POSTs;
//   - reference: the same page against socket.io 1.7.3 on Node
//     (tools/node/ref/testapp.js): proves the expected values are 1.7.3's.
// For the Go app the bytes on its connections are also checked (binary
// payload content types, JSONP framing, the websocket upgrade).
//
// chromium comes from FASTSIO_CHROMIUM, else `chromium` on PATH or
// /usr/bin/chromium (scripts/browser-deps.sh installs it). Without it the
// test skips, unless FASTSIO_REQUIRE_NODE is set: then it fails.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fastsio/fastsio/socketio"
	"github.com/fastsio/fastsio/tools/cmd/testapp/app"
	"github.com/valyala/fasthttp"
)

// browserDeadline bounds one scenario run, from chromium's start to the
// page's final report.
const browserDeadline = 40 * time.Second

// browserChromium returns the chromium binary, skipping or failing (with
// FASTSIO_REQUIRE_NODE) when there is none.
func browserChromium(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("FASTSIO_CHROMIUM"); bin != "" {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("FASTSIO_CHROMIUM=%s is not runnable: %v", bin, err)
		}
		return bin
	}
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if bin, err := exec.LookPath(name); err == nil {
			return bin
		}
	}
	if os.Getenv("FASTSIO_REQUIRE_NODE") != "" {
		t.Fatal("FASTSIO_REQUIRE_NODE is set but chromium is not installed " +
			"(run scripts/browser-deps.sh as root, or set FASTSIO_CHROMIUM)")
	}
	t.Skip("chromium not installed (scripts/browser-deps.sh; set FASTSIO_REQUIRE_NODE=1 to make this a failure)")
	return ""
}

// browserBundleDir returns socket.io-client 1.7.3's dist directory.
func browserBundleDir(t *testing.T) string {
	t.Helper()
	modules := os.Getenv("FASTSIO_NODE_MODULES")
	if modules == "" {
		modules, _ = filepath.Abs(filepath.Join("..", "node", "node_modules"))
	}
	dist := filepath.Join(modules, "socket.io-client", "dist")
	if _, err := os.Stat(filepath.Join(dist, "socket.io.js")); err != nil {
		if os.Getenv("FASTSIO_REQUIRE_NODE") != "" {
			t.Fatalf("socket.io-client browser bundle missing (run scripts/node-deps.sh): %v", err)
		}
		t.Skipf("socket.io-client browser bundle missing (run scripts/node-deps.sh): %v", err)
	}
	return dist
}

// browserReport is one POST /result from the page.
type browserReport struct {
	Mode  string          `json:"mode"`
	Step  string          `json:"step"`
	Got   json.RawMessage `json:"got"`
	Error string          `json:"error"`
	Done  bool            `json:"done"`
}

// browserPage serves the scenario page and collects the reports. Its
// handler runs on the server's goroutines.
type browserPage struct {
	index, script []byte

	mu      sync.Mutex
	reports []browserReport
	bad     []string // malformed /result bodies
	done    chan struct{}
	once    sync.Once
}

func newBrowserPage(t *testing.T) *browserPage {
	t.Helper()
	index, err := os.ReadFile(filepath.Join("browser", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join("browser", "scenario.js"))
	if err != nil {
		t.Fatal(err)
	}
	return &browserPage{index: index, script: script, done: make(chan struct{})}
}

// handle is the socketio server's Fallback: everything outside /socket.io.
func (p *browserPage) handle(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Cache-Control", "no-store")
	switch string(ctx.Path()) {
	case "/":
		ctx.SetContentType("text/html; charset=utf-8")
		ctx.SetBody(p.index)
	case "/scenario.js":
		ctx.SetContentType("application/javascript; charset=utf-8")
		ctx.SetBody(p.script)
	case "/result":
		var r browserReport
		err := json.Unmarshal(ctx.PostBody(), &r)
		p.mu.Lock()
		if err != nil {
			p.bad = append(p.bad, fmt.Sprintf("%v: %q", err, ctx.PostBody()))
		} else {
			p.reports = append(p.reports, r)
		}
		p.mu.Unlock()
		if err == nil && r.Done {
			p.once.Do(func() { close(p.done) })
		}
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	case "/favicon.ico":
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	default:
		ctx.SetStatusCode(fasthttp.StatusNotFound)
	}
}

func (p *browserPage) results() ([]browserReport, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.reports), slices.Clone(p.bad)
}

// browserServe starts the contract app with the client bundle on
// 127.0.0.1 (and the page as its Fallback when page is non-nil); the server
// is closed and checked for leftover goroutines when the test ends. What
// crosses its connections is kept in the returned capture.
func browserServe(t *testing.T, dist string, page *browserPage) (port string, wire *browserWire) {
	t.Helper()
	opts := &socketio.Options{
		ClientFS:   os.DirFS(dist),
		ClientFile: "socket.io.js", // the readable build: better stacks in failures
	}
	if page != nil {
		opts.Fallback = page.handle
	}
	srv, err := socketio.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	app.Register(srv, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wire = &browserWire{max: 16 << 20}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(browserListener{ln, wire}) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-served; !errors.Is(err, socketio.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		noLeaks(t, "fastsio/fastsio/socketio.", "fastsio/fastsio/engineio.")
	})
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return port, wire
}

// browserPageServer serves only the page, on its own port: the socket.io
// server is then cross-origin.
func browserPageServer(t *testing.T, page *browserPage) (port string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: page.handle, CloseOnShutdown: true}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.ShutdownWithContext(context.Background()); err != nil {
			t.Errorf("page server shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("page server: %v", err)
		}
	})
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return port
}

// browserReference runs socket.io 1.7.3's contract app
// (tools/node/ref/testapp.js) and returns its port; it ends with the test.
func browserReference(t *testing.T) (port string) {
	t.Helper()
	node, nodePath := nodeWith(t, "socket.io-client")
	cmd := exec.Command(node, filepath.Join("..", "node", "ref", "testapp.js"))
	cmd.Env = append(os.Environ(), "PORT=0", "EXIT_ON_STDIN_CLOSE=1", "NODE_PATH="+nodePath)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr browserLog
	stderr.max = 16 << 10
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Error("reference testapp did not exit after stdin closed")
		}
	})
	select {
	case line := <-lines:
		if !strings.HasPrefix(line, "listening ") {
			t.Fatalf("reference testapp: first line %q; stderr: %s", line, stderr.String())
		}
		return strings.TrimPrefix(line, "listening ")
	case err := <-exited:
		exited <- err
		t.Fatalf("reference testapp exited: %v; stderr: %s", err, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("reference testapp did not print its port; stderr: %s", stderr.String())
	}
	return ""
}

// browserWire keeps (up to max bytes of) what crossed the server's
// connections in each direction, to check that the browser really used the
// transport framing a scenario is about.
type browserWire struct {
	mu       sync.Mutex
	max      int
	in, out  []byte // client to server, server to client
	overflow bool
}

func (w *browserWire) add(dst *[]byte, p []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(*dst)+len(p) > w.max {
		w.overflow = true
		return
	}
	*dst = append(*dst, p...)
}

// has reports whether the capture of one direction contains s, ignoring
// ASCII case (header names).
func (w *browserWire) has(out bool, s string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.in
	if out {
		b = w.out
	}
	return bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(s)))
}

type browserListener struct {
	net.Listener
	w *browserWire
}

func (l browserListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &browserConn{Conn: c, w: l.w}, nil
}

type browserConn struct {
	net.Conn
	w *browserWire
}

func (c *browserConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.w.add(&c.w.in, p[:n])
	return n, err
}

func (c *browserConn) Write(p []byte) (int, error) {
	c.w.add(&c.w.out, p)
	return c.Conn.Write(p)
}

// browserLog keeps the last max bytes written (chromium's log).
type browserLog struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *browserLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.max:]...)
	}
	return len(p), nil
}

func (b *browserLog) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// browserRun starts headless chromium on url in its own process group and
// returns a stop function that kills the whole group (chromium forks
// zygote, renderer and utility processes) and waits for it to be gone.
// The profile directory is a test temp dir, removed after stop.
func browserRun(t *testing.T, bin, url string) (log *browserLog, stop func()) {
	t.Helper()
	profile := t.TempDir() // removed after the stop registered below
	cmd := exec.Command(bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		// Without these, chromium's own background connections get
		// refused on this machine and page loads stall.
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--mute-audio",
		"--enable-logging=stderr", "--v=0",
		"--user-data-dir="+profile, url)
	// Keep crashpad's database and any cache inside the profile.
	cmd.Env = append(os.Environ(),
		"XDG_CONFIG_HOME="+filepath.Join(profile, "config"),
		"XDG_CACHE_HOME="+filepath.Join(profile, "cache"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	log = &browserLog{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	pgid := cmd.Process.Pid
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				t.Errorf("chromium (pid %d) did not exit after SIGKILL", pgid)
			}
			// Helpers reparented away from us: wait until none is left,
			// so that the profile can be removed.
			deadline := time.Now().Add(5 * time.Second)
			for {
				left := browserLeft(pgid, profile)
				if len(left) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("chromium processes still alive after SIGKILL: %v", left)
					break
				}
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
				for _, pid := range left {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	t.Cleanup(stop)
	return log, stop
}

// browserLeft returns the live processes chromium left: those of its
// process group, and those whose command line names its profile directory
// (crashpad's handler starts its own session). Zombies do not count:
// killed helpers are reparented to init, which may reap them late, and
// they hold no files.
func browserLeft(pgid int, profile string) []int {
	procs, err := os.ReadDir("/proc")
	if err != nil { // no /proc: only the group can be checked
		if syscall.Kill(-pgid, 0) == nil {
			return []int{-pgid}
		}
		return nil
	}
	var left []int
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", p.Name(), "stat"))
		if err != nil {
			continue // gone
		}
		// pid (comm) state ppid pgrp ...; comm may contain spaces.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if f[2] == strconv.Itoa(pgid) {
			left = append(left, pid)
			continue
		}
		if cmdline, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline")); err == nil &&
			bytes.Contains(cmdline, []byte(profile)) {
			left = append(left, pid)
		}
	}
	return left
}

// browserMode is one scenario configuration with its expected values.
type browserMode struct {
	name      string // subtest name
	mode      string // the page's ?mode=
	transport string // the engine's transport after the scenario
	jsonp     bool
	// server: "same-origin" (the Go app also serves the page),
	// "cross-origin" (page from another port) or "reference" (socket.io
	// 1.7.3 on Node, page from a Go port: proves the expectations).
	server string
}

// browserUni must equal UNI in browser/scenario.js.
const browserUni = "héllo wörld € 中文 😀 𝄞 \u2028\u2029 line1\nline2 \\n back\\slash \"q\" \u0000 end"

func browserAB(b ...byte) map[string]any { return map[string]any{"$ab": hex.EncodeToString(b)} }

// browserLarge returns the SHA-256 of the scenario's 100 KiB pattern.
func browserLarge() string {
	b := make([]byte, 100*1024)
	for i := range b {
		b[i] = byte(i*31 + 7)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// steps returns the expected step names, in order, and for each the
// expected value, given what was reported so far (ids are random).
func (m browserMode) steps() ([]string, map[string]func(got map[string]any) any) {
	names := []string{"connect"}
	if m.mode == "upgrade" {
		names = append(names, "upgrade")
	}
	names = append(names, "handshake", "echo-text", "echo-unicode-ack", "echo-binary-event",
		"echo-binary-ack", "echo-binary-large", "ask", "join", "rooms", "in-all", "forbidden",
		"error-me", "chat-connect", "chat-echo", "chat-rooms", "chat-in-all", "auth-rejected",
		"auth-accepted", "final-transport", "close")

	// The handshake request as socket.io-client 1.7.3 builds it: query
	// keys in its order (fastsio keeps the order), t = cache buster.
	query := [][]string{{"EIO", "3"}, {"transport", "polling"}, {"t", "<t>"}}
	url := "/socket.io/?EIO=3&transport=polling&t=<t>"
	if m.jsonp {
		query = [][]string{{"EIO", "3"}, {"transport", "polling"}, {"j", "0"}, {"t", "<t>"}, {"b64", "1"}}
		url = "/socket.io/?EIO=3&transport=polling&j=0&t=<t>&b64=1"
	}
	str := func(v any) string { s, _ := v.(string); return s }
	engineID := func(got map[string]any) string {
		c, _ := got["chat-connect"].(map[string]any)
		return str(c["engine"])
	}
	want := map[string]func(map[string]any) any{
		"connect": func(map[string]any) any {
			return map[string]any{"transport": "polling", "supportsBinary": !m.jsonp, "connected": true, "sameID": true}
		},
		"upgrade": func(map[string]any) any { return map[string]any{"transport": "websocket"} },
		"handshake": func(map[string]any) any {
			// XHRs to another origin carry Origin; JSONP's script GETs never do.
			xdomain := m.server != "same-origin" && !m.jsonp
			return map[string]any{"query": query, "url": url, "xdomain": xdomain, "secure": false, "id": "<self>"}
		},
		"echo-text": func(map[string]any) any {
			return []any{"hello", 42, 1.5, true, nil, map[string]any{"a": []any{1, "b"}, "c": map[string]any{}}}
		},
		"echo-unicode-ack": func(map[string]any) any {
			return []any{browserUni, map[string]any{"key 😀": browserUni}, []any{"𝄞"}}
		},
		"echo-binary-event": func(map[string]any) any {
			return []any{browserAB(0, 1, 2, 127, 128, 253, 254, 255)}
		},
		"echo-binary-ack": func(map[string]any) any {
			return []any{browserAB(1, 2, 3), map[string]any{
				"nested": browserAB(0, 255), "list": []any{browserAB(7), "x", browserAB()}, "text": "😀",
			}, "tail"}
		},
		"echo-binary-large": func(map[string]any) any {
			return map[string]any{"isArrayBuffer": true, "len": 100 * 1024, "sha256": browserLarge(), "rest": []any{"big"}}
		},
		"ask": func(map[string]any) any {
			return map[string]any{
				"question": []any{"what? 😀", browserAB(9, 8), map[string]any{"deep": []any{browserAB(1)}}},
				"answer":   []any{"answer", browserAB(5, 6), map[string]any{"e": "😀"}},
			}
		},
		"join": func(map[string]any) any { return []any{true} },
		"rooms": func(got map[string]any) any {
			r, _ := got["rooms"].(map[string]any)
			self := str(r["self"])
			rooms := []string{self, "r1"}
			slices.Sort(rooms) // the contract sorts
			return map[string]any{"rooms": rooms, "self": self}
		},
		"in-all":    func(map[string]any) any { return []any{"hi 😀", browserAB(1, 2)} },
		"forbidden": func(map[string]any) any { return []any{"forbidden event"} },
		"error-me":  func(map[string]any) any { return []any{"boom 😀"} },
		"chat-connect": func(got map[string]any) any {
			// 1.7.3's client gives every namespace socket the engine id.
			id := engineID(got)
			return map[string]any{"connected": true, "id": id, "engine": id}
		},
		"chat-echo": func(map[string]any) any { return []any{"on chat 😀", browserAB(3)} },
		"chat-rooms": func(got map[string]any) any {
			// The server's id of a /chat socket is "/chat#<engine id>".
			return []any{"/chat#" + engineID(got)}
		},
		"chat-in-all": func(map[string]any) any {
			return map[string]any{"joined": []any{true}, "iso": []any{"chat only", browserAB(4)}, "rootStray": []any{}}
		},
		"auth-rejected": func(map[string]any) any {
			return map[string]any{"error": []any{"not authorized"}, "connected": false}
		},
		"auth-accepted":   func(map[string]any) any { return []any{"ann ü"} },
		"final-transport": func(map[string]any) any { return map[string]any{"transport": m.transport} },
		"close": func(map[string]any) any {
			return map[string]any{
				"root": []any{"io client disconnect"}, "chat": []any{"io client disconnect"},
				"authDisconnected": false, "engine": "closed",
			}
		},
	}
	return names, want
}

// normalize turns v into what encoding/json decodes its JSON form to.
func browserNormalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func browserJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(buf.String())
}

// TestBrowser runs the browser scenario once per transport setup, against
// the Go app (same-origin and cross-origin), and the same scenario against
// socket.io 1.7.3 itself so that the expected values are the reference's.
// covers: SUP-03, SUP-05, SUP-24, SUP-26, EIO-JSONP-01, EIO-JSONP-02, EIO-JSONP-03, EIO-JSONP-05, SIO-ATT-01, SIO-SK-08, SIO-SK-10, SIO-SK-22, SIO-SK-24, SIO-SK-29, SIO-MW-02, SIO-SMW-02
func TestBrowser(t *testing.T) {
	bin := browserChromium(t)
	dist := browserBundleDir(t)
	var (
		// XHR2 polling only: binary payloads (application/octet-stream)
		// both ways, ArrayBuffer in and out.
		xhr2 = browserMode{name: "xhr2-polling", mode: "polling", transport: "polling"}
		// JSONP: ___eio[n]("...") script responses, d= form POSTs, binary
		// as base64 "b4..." packets.
		jsonp = browserMode{name: "jsonp", mode: "jsonp", transport: "polling", jsonp: true}
		// Default transports: XHR2 polling, then the browser's WebSocket.
		upgrade = browserMode{name: "upgrade-websocket", mode: "upgrade", transport: "websocket"}
	)
	for _, server := range []string{"same-origin", "cross-origin", "reference"} {
		t.Run(server, func(t *testing.T) {
			for _, m := range []browserMode{xhr2, jsonp, upgrade} {
				if server == "cross-origin" && m.mode == "jsonp" {
					continue // a script GET is the same request from any origin
				}
				m.server = server
				t.Run(m.name, func(t *testing.T) { browserScenario(t, bin, dist, m) })
			}
		})
	}
}

func browserScenario(t *testing.T, bin, dist string, m browserMode) {
	page := newBrowserPage(t)
	var url string
	var wire *browserWire
	switch m.server {
	case "same-origin":
		var port string
		port, wire = browserServe(t, dist, page)
		url = "http://127.0.0.1:" + port + "/?mode=" + m.mode
	case "cross-origin":
		var port string
		port, wire = browserServe(t, dist, nil)
		url = "http://127.0.0.1:" + browserPageServer(t, page) + "/?mode=" + m.mode +
			"&target=http://127.0.0.1:" + port
	case "reference":
		port := browserReference(t)
		url = "http://127.0.0.1:" + browserPageServer(t, page) + "/?mode=" + m.mode +
			"&target=http://127.0.0.1:" + port
	}
	log, stop := browserRun(t, bin, url)

	timedOut := false
	select {
	case <-page.done:
	case <-time.After(browserDeadline):
		timedOut = true
	}
	stop() // before the servers close: no browser traffic during shutdown
	reports, bad := page.results()
	for _, b := range bad {
		t.Errorf("malformed report: %s", b)
	}

	names, want := m.steps()
	got := map[string]any{}
	var order []string
	for _, r := range reports {
		if r.Mode != m.mode {
			t.Errorf("report for mode %q, want %q: %+v", r.Mode, m.mode, r)
		}
		if r.Error != "" {
			t.Errorf("step %s: page error: %s", r.Step, r.Error)
			continue
		}
		if r.Step == "" {
			continue // the final {done:true}
		}
		var v any
		if err := json.Unmarshal(r.Got, &v); err != nil {
			t.Errorf("step %s: %v", r.Step, err)
			continue
		}
		order = append(order, r.Step)
		got[r.Step] = v
	}
	for _, name := range order {
		w, ok := want[name]
		if !ok {
			t.Errorf("unexpected step %q", name)
			continue
		}
		if exp := browserNormalize(w(got)); !reflect.DeepEqual(got[name], exp) {
			t.Errorf("step %s:\n got: %s\nwant: %s", name, browserJSON(got[name]), browserJSON(exp))
		} else {
			t.Logf("ok %s", name)
		}
	}
	if !slices.Equal(order, names) {
		t.Errorf("steps reported:\n %v\nwant:\n %v", order, names)
	}
	if timedOut {
		t.Errorf("no final report within %v", browserDeadline)
	}
	if wire != nil {
		browserCheckWire(t, m, wire)
	}
	if t.Failed() {
		t.Logf("chromium log (tail):\n%s", log.String())
	}
}

// browserCheckWire checks that the browser used the framing the mode is
// about (the page only sees socket.io events).
func browserCheckWire(t *testing.T, m browserMode, w *browserWire) {
	t.Helper()
	type rule struct {
		out  bool // server to client
		s    string
		want bool
		why  string
	}
	rules := []rule{
		{false, "GET /socket.io/socket.io.js", true, "bundle loaded from the client file route"},
		{true, `ETag: "1.7.3"`, true, "client file route answered"},
	}
	switch m.mode {
	case "polling":
		rules = append(rules,
			rule{false, "Content-Type: application/octet-stream", true, "XHR2 binary payload POSTed"},
			rule{true, "Content-Type: application/octet-stream", true, "binary payload polled"},
			rule{false, "transport=websocket", false, "no websocket with transports ['polling']"})
	case "jsonp":
		rules = append(rules,
			rule{false, "&j=0", true, "JSONP index in the query"},
			rule{false, "Content-Type: application/x-www-form-urlencoded", true, "JSONP form POST"},
			rule{true, "___eio[0](\"", true, "JSONP script response"},
			rule{false, "Content-Type: application/octet-stream", false, "no XHR2 binary with forceJSONP"},
			rule{false, "transport=websocket", false, "no websocket with transports ['polling']"})
	case "upgrade":
		rules = append(rules,
			rule{false, "transport=websocket", true, "websocket requested"},
			rule{false, "Upgrade: websocket", true, "websocket upgrade request"},
			rule{true, "101 Switching Protocols", true, "websocket accepted"})
	}
	if m.server == "cross-origin" {
		rules = append(rules, rule{true, "Access-Control-Allow-Credentials: true", true, "CORS answer"})
		if m.mode == "polling" {
			rules = append(rules, rule{false, "OPTIONS /socket.io/", true, "preflight of the binary POST"})
		}
	}
	w.mu.Lock()
	overflow := w.overflow
	w.mu.Unlock()
	if overflow {
		t.Errorf("wire capture overflowed (max %d bytes)", w.max)
	}
	for _, r := range rules {
		if w.has(r.out, r.s) != r.want {
			dir := "client to server"
			if r.out {
				dir = "server to client"
			}
			t.Errorf("wire (%s): contains %q = %v, want %v (%s)", dir, r.s, !r.want, r.want, r.why)
		}
	}
}
