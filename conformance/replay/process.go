package replay

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a server started by StartProcess: a program following the
// contract's rules (PORT=0 picks a port, it prints "listening <port>",
// SIGTERM ends it), such as the Node reference apps or the Go test apps.
type Process struct {
	URL  string // http://127.0.0.1:<port>
	cmd  *exec.Cmd
	done chan struct{}

	mu     sync.Mutex
	stderr bytes.Buffer
}

// StartProcess starts argv with the current environment plus env (and
// PORT=0, EXIT_ON_STDIN_CLOSE=1) and waits up to 20s for its listening line.
func StartProcess(ctx context.Context, argv []string, env []string) (*Process, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("replay: no command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(append(os.Environ(), "PORT=0", "EXIT_ON_STDIN_CLOSE=1"), env...)
	p := &Process{cmd: cmd, done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{p: p}
	portc := make(chan string, 1)
	cmd.Stdout = &listenWriter{portc: portc}
	// An open stdin pipe lets apps that honour EXIT_ON_STDIN_CLOSE notice
	// when the test process dies.
	if _, err := cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("replay: start %s: %w", argv[0], err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t := time.NewTimer(20 * time.Second)
	defer t.Stop()
	select {
	case port := <-portc:
		p.URL = "http://127.0.0.1:" + port
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("replay: %s exited without a listening line: %s", argv[0], p.Stderr())
	case <-t.C:
	case <-ctx.Done():
	}
	p.Stop()
	return nil, fmt.Errorf("replay: %s printed no listening line in time: %s", argv[0], p.Stderr())
}

// listenWriter watches stdout for the first "listening <port>" line.
type listenWriter struct {
	buf   []byte
	portc chan string
	sent  bool
}

func (w *listenWriter) Write(b []byte) (int, error) {
	if w.sent {
		return len(b), nil
	}
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			if len(w.buf) > 64<<10 {
				w.buf = w.buf[:0]
			}
			return len(b), nil
		}
		line := strings.TrimSpace(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
		if port, ok := strings.CutPrefix(line, "listening "); ok {
			w.sent = true
			w.portc <- port
			return len(b), nil
		}
	}
}

type lockedWriter struct{ p *Process }

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	if w.p.stderr.Len() < 1<<20 {
		w.p.stderr.Write(b)
	}
	return len(b), nil
}

// Stderr returns what the process wrote to stderr so far (up to 1 MiB).
func (p *Process) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// Stop sends SIGTERM, waits up to 5s, then kills; it returns once the
// process has exited.
func (p *Process) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(5 * time.Second):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}
