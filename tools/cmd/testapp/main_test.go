package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinary builds the command, waits for "listening <port>", does an
// engine.io handshake and checks that SIGTERM and SIGINT end it cleanly.
// covers: SIO-CL-03 (graceful close lets the process exit), SIO-SET-01, SIO-SET-02
func TestBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "testapp")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin)
			cmd.Env = append(os.Environ(), "PORT=0", "PING_INTERVAL=1000", "PING_TIMEOUT=2000")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil || !strings.HasPrefix(line, "listening ") {
				_ = cmd.Process.Kill()
				t.Fatalf("first line %q (%v)", line, err)
			}
			port := strings.TrimSpace(strings.TrimPrefix(line, "listening "))
			c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := c.Get("http://127.0.0.1:" + port + "/socket.io/?EIO=3&transport=polling&b64=1")
			if err != nil {
				_ = cmd.Process.Kill()
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), `"pingInterval":1000,"pingTimeout":2000`) {
				t.Errorf("handshake %s", body)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit: %v", err)
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("did not exit within 10s of the signal")
			}
		})
	}
}
