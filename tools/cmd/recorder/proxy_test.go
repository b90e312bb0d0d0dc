package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		// No goroutine may still be running recorder code (proxy sessions,
		// fake servers). Goroutines of the runtime or the fuzzing engine
		// (os/signal) are not ours and are ignored.
		var leaked string
		deadline := time.Now().Add(5 * time.Second)
		for {
			leaked = ourGoroutines()
			if leaked == "" || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutine leak:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

func ourGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "tools/cmd/recorder.") && !strings.Contains(g, "recorder.TestMain") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

// safeBuffer is an io.Writer the recorder and the test can share.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) lines(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// fakeServer answers two scripted connections: pipelined HTTP on the first,
// a websocket exchange on the second.
func fakeServer(t *testing.T, ln net.Listener, wg *sync.WaitGroup) {
	defer wg.Done()
	// connection 1: two pipelined requests, then two responses
	c, err := ln.Accept()
	if err != nil {
		t.Error(err)
		return
	}
	br := bufio.NewReader(c)
	for i := 0; i < 2; i++ {
		if _, err := readRequest(br, 1<<20); err != nil {
			t.Errorf("server: request %d: %v", i, err)
		}
	}
	io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: 8\r\n\r\n6:4hello")
	io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"cod\r\n4\r\ne\":1\r\n1\r\n}\r\n0\r\n\r\n")
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("server: expected the client to close, got %v", err)
	}
	c.Close()

	// connection 2: websocket
	c, err = ln.Accept()
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	br = bufio.NewReader(c)
	if _, err := readRequest(br, 1<<20); err != nil {
		t.Errorf("server: upgrade request: %v", err)
		return
	}
	var out []byte
	out = append(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n"...)
	out = append(out, frame(true, false, 1, []byte(`0{"sid":"a"}`), nil)...)
	c.Write(out)
	a := &wsAssembler{maxMessage: 1 << 20}
	for {
		f, err := readFrame(br, 1<<20)
		if err != nil {
			t.Errorf("server: frame: %v", err)
			return
		}
		if m, _ := a.add(f); m != nil {
			if string(m.data) != "2probe" {
				t.Errorf("server got %q", m.data)
			}
			break
		}
	}
	c.Write(frame(true, false, 1, []byte("3probe"), nil))
	c.Write(frame(true, false, 8, []byte{0x03, 0xe8}, nil))
}

func TestProxyRecordsHTTPAndWebSocket(t *testing.T) {
	srvLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srvLn.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go fakeServer(t, srvLn, &wg)

	out := &safeBuffer{}
	rec := newRecorder(out, time.Now())
	cfg := &proxyConfig{target: srvLn.Addr().String(), rec: rec, maxBody: 1 << 20, dialTimeout: time.Second,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	p := newProxy(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- p.serve(ln) }()
	defer func() {
		ln.Close()
		p.closeAll()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()

	// client 1: pipelined GET + POST, read both responses, close
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /engine.io/?EIO=3&transport=polling HTTP/1.1\r\nHost: h\r\n\r\n"+
		"POST /engine.io/?sid=a HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\n\r\n6:4hello")
	cbr := bufio.NewReader(c)
	if _, err := readResponse(cbr, "GET", 1<<20); err != nil {
		t.Fatal(err)
	}
	r2, err := readResponse(cbr, "POST", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(r2.raw), "5\r\n{\"cod\r\n") {
		t.Errorf("chunk framing not forwarded verbatim: %q", r2.raw)
	}
	c.Close()
	// The proxy notices the close on its own goroutine: wait until it is
	// recorded so that client 2's events come after it in the recording.
	for deadline := time.Now().Add(5 * time.Second); len(out.lines(t)) < 5 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}

	// client 2: websocket upgrade, fragmented masked message, server closes
	c, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /engine.io/?transport=websocket HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\nSec-WebSocket-Version: 13\r\n\r\n")
	cbr = bufio.NewReader(c)
	resp, err := readResponseHead(cbr)
	if err != nil || resp.status != 101 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	if f, err := readFrame(cbr, 1<<20); err != nil || string(f.payload) != `0{"sid":"a"}` {
		t.Fatalf("open frame %q %v", f.payload, err)
	}
	c.Write(append(frame(false, false, 1, []byte("2pro"), key), frame(true, false, 0, []byte("be"), key)...))
	if f, err := readFrame(cbr, 1<<20); err != nil || string(f.payload) != "3probe" {
		t.Fatalf("3probe frame %q %v", f.payload, err)
	}
	if f, err := readFrame(cbr, 1<<20); err != nil || f.opcode != 8 {
		t.Fatalf("close frame %v %v", f.opcode, err)
	}
	if _, err := cbr.ReadByte(); err != io.EOF {
		t.Fatalf("expected EOF after the server closed, got %v", err)
	}
	wg.Wait()

	// The recording, in order.
	want := []map[string]any{
		{"kind": "http_request", "conn": 0.0, "req": 0.0, "method": "GET", "body": ""},
		{"kind": "http_request", "conn": 0.0, "req": 1.0, "method": "POST", "body": b64("6:4hello")},
		{"kind": "http_response", "conn": 0.0, "req": 0.0, "status": 200.0, "body": b64("6:4hello")},
		{"kind": "http_response", "conn": 0.0, "req": 1.0, "status": 400.0, "reason": "Bad Request", "body": b64(`{"code":1}`)},
		{"kind": "tcp_close", "conn": 0.0, "by": "client"},
		{"kind": "http_request", "conn": 1.0, "req": 2.0, "method": "GET"},
		{"kind": "http_response", "conn": 1.0, "req": 2.0, "status": 101.0},
		{"kind": "ws_frame", "conn": 1.0, "dir": "s2c", "opcode": 1.0, "data": b64(`0{"sid":"a"}`)},
		{"kind": "ws_frame", "conn": 1.0, "dir": "c2s", "opcode": 1.0, "data": b64("2probe")},
		{"kind": "ws_frame", "conn": 1.0, "dir": "s2c", "opcode": 1.0, "data": b64("3probe")},
		{"kind": "ws_frame", "conn": 1.0, "dir": "s2c", "opcode": 8.0, "data": b64("\x03\xe8")},
		{"kind": "tcp_close", "conn": 1.0, "by": "server"},
	}
	var got []map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for {
		got = out.lines(t)
		if len(got) >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(got) != len(want) {
		for _, g := range got {
			t.Logf("%v", g)
		}
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	prevT := -1.0
	for i, w := range want {
		g := got[i]
		if g["seq"] != float64(i) {
			t.Errorf("event %d: seq %v", i, g["seq"])
		}
		if tm, _ := g["t_ms"].(float64); tm < prevT {
			t.Errorf("event %d: t_ms went back", i)
		} else {
			prevT = tm
		}
		for k, v := range w {
			if g[k] != v {
				t.Errorf("event %d (%v): %s = %v, want %v", i, g["kind"], k, g[k], v)
			}
		}
	}
	hdrs, _ := got[1]["headers"].([]any)
	if len(hdrs) != 2 || fmt.Sprint(hdrs[1]) != "[Content-Length 8]" {
		t.Errorf("POST headers %v", hdrs)
	}
}

func TestMetaLine(t *testing.T) {
	var b bytes.Buffer
	r := newRecorder(&b, time.Now())
	if err := r.writeMeta([]metaField{{"name", "x"}, {"layer", "engineio"}, {"description", `a "quoted" <b>&`}}); err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"meta","name":"x","layer":"engineio","description":"a \"quoted\" <b>&"}` + "\n"
	if b.String() != want {
		t.Errorf("meta %q, want %q", b.String(), want)
	}
	r.stop()
	r.tcpClose(0, "client")
	if b.String() != want {
		t.Error("event written after stop")
	}
}
