package interop

// Live interop of fastsio's engine.io server with the real engine.io-client
// 1.8.3 on Node.js (scripts in js/eio-*.js). Needs node and the reference
// packages (FASTSIO_NODE_MODULES, default ../node/node_modules): the tests
// skip without them unless FASTSIO_REQUIRE_NODE is set, then they fail.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fastsio/fastsio/engineio"
)

type eioResult struct {
	OK       bool     `json:"ok"`
	Errors   []string `json:"errors"`
	Reason   string   `json:"reason"`
	Upgraded bool     `json:"upgraded"`
	Trans    string   `json:"transport"`
	Received int      `json:"received"`
	Deflate  bool     `json:"deflate"`
}

// eioRun runs js/eio-client.js with cfg and returns its result line.
func eioRun(t *testing.T, cfg map[string]any) eioResult {
	t.Helper()
	node, modules := nodeWith(t, "engine.io-client")
	b, _ := json.Marshal(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("js", "eio-client.js"), string(b))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\nstdout: %s\nstderr: %s", err, out, stderr.Bytes())
	}
	var r eioResult
	line := bytes.TrimSpace(out)
	if i := bytes.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	if err := json.Unmarshal(line, &r); err != nil {
		t.Fatalf("result %q: %v (stderr %s)", out, err, stderr.Bytes())
	}
	return r
}

// eioServer serves an echo engine.io server in-process; a message
// "close-me" makes the server close that socket. Close reasons are sent on
// the returned channel.
func eioServer(t *testing.T, opts *engineio.Options) (url string, reasons <-chan string) {
	t.Helper()
	srv, err := engineio.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 16)
	srv.OnConnection(func(s *engineio.Socket) {
		s.OnClose(func(r string) { ch <- r })
		s.OnMessage(func(data []byte, binary bool) {
			if !binary && string(data) == "close-me" {
				s.Close()
				return
			}
			_ = s.Send([]engineio.Message{{Data: bytes.Clone(data), Binary: binary}}, engineio.SendOptions{})
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-done; !errors.Is(err, engineio.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		noLeaks(t, "fastsio/fastsio/engineio.")
	})
	return "http://" + ln.Addr().String(), ch
}

func eioReason(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("no server-side close")
		return ""
	}
}

var eioModes = []struct {
	name       string
	transports []string
	upgrade    bool
}{
	{"polling", []string{"polling"}, false},
	{"websocket", []string{"websocket"}, false},
	{"upgrade", []string{"polling", "websocket"}, true},
}

// covers: EIO-MSG-17, EIO-SND-09, EIO-CL-10, EIO-CL-11, EIO-UPG-01, SUP-01, EIO-MSG-11, EIO-MSG-12
func TestEioEcho(t *testing.T) {
	for _, m := range eioModes {
		t.Run(m.name, func(t *testing.T) {
			url, reasons := eioServer(t, nil)
			r := eioRun(t, map[string]any{"url": url, "transports": m.transports, "upgrade": m.upgrade, "waitUpgrade": m.upgrade, "scenario": "echo"})
			if !r.OK {
				t.Fatalf("client errors: %q", r.Errors)
			}
			want := m.transports[len(m.transports)-1]
			if r.Trans != want || r.Upgraded != m.upgrade {
				t.Errorf("ended on %q (upgraded %v), want %q", r.Trans, r.Upgraded, want)
			}
			if r.Reason != "forced close" {
				t.Errorf("client reason %q, want forced close", r.Reason)
			}
			// The 1 MB messages exceed the 1024-byte threshold: on WebSocket
			// they went compressed (ws 1.1.2 offers permessage-deflate).
			if want == "websocket" && !r.Deflate {
				t.Errorf("permessage-deflate not negotiated")
			}
			if got := eioReason(t, reasons); got != engineio.ReasonTransportClose {
				t.Errorf("server reason %q, want transport close", got)
			}
		})
	}
}

// covers: EIO-CL-07, EIO-CL-08, EIO-CL-18
func TestEioServerClose(t *testing.T) {
	for _, m := range eioModes {
		t.Run(m.name, func(t *testing.T) {
			url, reasons := eioServer(t, nil)
			r := eioRun(t, map[string]any{"url": url, "transports": m.transports, "upgrade": false, "scenario": "server-close"})
			if !r.OK || r.Reason != "transport close" {
				t.Errorf("client reason %q errors %q, want transport close", r.Reason, r.Errors)
			}
			if got := eioReason(t, reasons); got != engineio.ReasonForcedClose {
				t.Errorf("server reason %q, want forced close", got)
			}
		})
	}
}

// covers: EIO-CL-03, EIO-CL-25, EIO-CL-26
func TestEioPingTimeout(t *testing.T) {
	for _, m := range eioModes[:2] {
		t.Run(m.name, func(t *testing.T) {
			url, reasons := eioServer(t, &engineio.Options{PingInterval: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
			r := eioRun(t, map[string]any{"url": url, "transports": m.transports, "upgrade": false, "scenario": "no-ping"})
			if !r.OK || r.Reason != "transport close" {
				t.Errorf("client reason %q errors %q, want transport close", r.Reason, r.Errors)
			}
			if got := eioReason(t, reasons); got != engineio.ReasonPingTimeout {
				t.Errorf("server reason %q, want ping timeout", got)
			}
		})
	}
}

// TestEioEchoCommand builds tools/cmd/eio-echo, checks its contract
// (PORT, "listening <port>", clean SIGTERM) and runs the echo scenario
// against it over upgrade.
func TestEioEchoCommand(t *testing.T) {
	nodeWith(t, "engine.io-client")
	bin := filepath.Join(t.TempDir(), "eio-echo")
	build := exec.Command("go", "build", "-o", bin, "../cmd/eio-echo")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PORT=0", "PING_INTERVAL=300", "PING_TIMEOUT=200", "MAX_HTTP_BUFFER_SIZE=4000000")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	port, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok || port == "0" {
		t.Fatalf("first line %q (%v), want listening <port>; stderr %s", line, err, stderr.Bytes())
	}
	r := eioRun(t, map[string]any{"url": "http://127.0.0.1:" + port, "transports": []string{"polling", "websocket"}, "upgrade": true, "waitUpgrade": true, "scenario": "echo"})
	if !r.OK || !r.Upgraded {
		t.Errorf("echo via eio-echo: %+v", r)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("eio-echo exit: %v; stderr %s", err, stderr.Bytes())
	}
}
