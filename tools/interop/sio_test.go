package interop

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fastsio/fastsio/socketio"
	"github.com/fastsio/fastsio/tools/cmd/testapp/app"
)

// sioStartApp runs the contract testapp in-process on 127.0.0.1 and
// returns its base URL; the server is closed (and checked for leftover
// goroutines) when the test ends.
func sioStartApp(t *testing.T, opts *socketio.Options) string {
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
	return "http://" + ln.Addr().String()
}

// sioRunScript runs js/<script> with env and reports each "ok"/"FAIL" line.
func sioRunScript(t *testing.T, script string, env ...string) {
	t.Helper()
	node, nodePath := nodeWith(t, "socket.io-client")
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("js", script))
	cmd.Env = append(os.Environ(), append(env, "NODE_PATH="+nodePath)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var lines []string
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		if strings.HasPrefix(line, "FAIL") {
			t.Error(line)
		} else {
			t.Log(line)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", script, err, strings.Join(lines, "\n"), stderr.String())
	}
}

// TestSioContract runs every contract row with socket.io-client 1.7.3
// against the Go testapp, once per transport setup.
// covers: SIO-NS-03, SIO-NS-06, SIO-NS-11, SIO-NS-15, SIO-NS-16, SIO-SK-01, SIO-SK-03, SIO-SK-08, SIO-SK-09, SIO-SK-10, SIO-SK-11, SIO-SK-12, SIO-SK-22, SIO-SK-24, SIO-SK-25, SIO-SK-26, SIO-SK-27, SIO-SK-28, SIO-SK-29, SIO-SK-30, SIO-SK-35, SIO-MM-03, SIO-MM-04, SIO-MM-06, SIO-MW-02, SIO-SMW-02, SIO-SET-09, SUP-33, SUP-34, SUP-41, SUP-47, SUP-48
func TestSioContract(t *testing.T) {
	for _, mode := range []string{"polling", "websocket", "upgrade"} {
		t.Run(mode, func(t *testing.T) {
			url := sioStartApp(t, nil)
			sioRunScript(t, "sio-contract.js", "SIO_URL="+url, "SIO_TRANSPORTS="+mode)
		})
	}
}

// TestSioContractBinary runs the contract script against the built
// tools/cmd/testapp command (what the benchmarks and the replay use).
func TestSioContractBinary(t *testing.T) {
	nodeWith(t, "socket.io-client")
	bin := filepath.Join(t.TempDir(), "testapp")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/testapp").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PORT=0")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("testapp exit: %v", err)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("testapp did not exit after SIGINT")
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	go func() { exited <- cmd.Wait() }()
	if err != nil || !strings.HasPrefix(line, "listening ") {
		t.Fatalf("first line %q: %v", line, err)
	}
	url := "http://127.0.0.1:" + strings.TrimSpace(strings.TrimPrefix(line, "listening "))
	sioRunScript(t, "sio-contract.js", "SIO_URL="+url, "SIO_TRANSPORTS=upgrade")
}
