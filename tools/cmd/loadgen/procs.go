package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fastsio/fastsio/tools/internal/sioclient"
)

// Sub-process mode (connect scenario, -procs P > 1): one process may hold
// at most RLIMIT_NOFILE descriptors (20,000 on the benchmark machine), so
// the parent keeps the control connection and the stats sampling and lets
// P children hold the idle connections. The parent talks to each child
// over its stdin/stdout, one line per command:
//
//	parent -> child   "dial <k>"                  open k more connections
//	child -> parent   "dialed <ok> <failed> <ns>" when done (ns = wall time)
//
// Closing the child's stdin makes it close its connections and exit.

// connectHolder opens idle connections for runConnect, in this process or
// spread over children.
type connectHolder interface {
	// dial opens k more connections and returns how many failed, the wall
	// time it took and the first error.
	dial(ctx context.Context, k int) (failed int64, took time.Duration, err error)
	count() int
	close()
}

type localHolder struct {
	d     *sioclient.Dialer
	hb    *sioclient.Heartbeat
	conc  int
	mu    sync.Mutex
	conns []*sioclient.WSConn
}

func (h *localHolder) dial(ctx context.Context, k int) (int64, time.Duration, error) {
	start := time.Now()
	failed, err := dialMany(ctx, h.d, k, h.conc, func(_ int, w *sioclient.WSConn) {
		h.hb.Add(w)
		h.mu.Lock()
		h.conns = append(h.conns, w)
		h.mu.Unlock()
	})
	return failed, time.Since(start), err
}

func (h *localHolder) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

func (h *localHolder) close() {
	h.mu.Lock()
	conns := h.conns
	h.conns = nil
	h.mu.Unlock()
	closeAll(conns)
}

type child struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

type procHolder struct {
	children []*child
	held     int
}

// childArgs are the flags a child needs to dial like the parent.
func childArgs(o *options) []string {
	return []string{"-scenario", "connect-child", "-url", o.url, "-path", o.path, "-nsp", o.nsp,
		"-srcaddrs", strconv.Itoa(o.sourceAddrs), "-concurrency", strconv.Itoa(max(1, o.concurrency/o.procs))}
}

func startChildren(o *options) (*procHolder, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	h := &procHolder{}
	for range o.procs {
		cmd := exec.Command(exe, childArgs(o)...)
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			h.close()
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			h.close()
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			h.close()
			return nil, err
		}
		h.children = append(h.children, &child{cmd: cmd, in: in, out: bufio.NewReader(out)})
	}
	return h, nil
}

func (h *procHolder) dial(ctx context.Context, k int) (int64, time.Duration, error) {
	type reply struct {
		ok, failed int64
		took       time.Duration
		err        error
	}
	replies := make([]reply, len(h.children))
	var wg sync.WaitGroup
	for i, c := range h.children {
		share := k / len(h.children)
		if i < k%len(h.children) {
			share++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &replies[i]
			if _, err := fmt.Fprintf(c.in, "dial %d\n", share); err != nil {
				r.err = fmt.Errorf("child %d: %w", i, err)
				return
			}
			line, err := c.out.ReadString('\n')
			if err != nil {
				r.err = fmt.Errorf("child %d: %w", i, err)
				return
			}
			var ns int64
			if _, err := fmt.Sscanf(line, "dialed %d %d %d", &r.ok, &r.failed, &ns); err != nil {
				r.err = fmt.Errorf("child %d: bad reply %q", i, line)
				return
			}
			r.took = time.Duration(ns)
			if r.failed > 0 {
				_, msg, _ := strings.Cut(strings.TrimSpace(line), " err ")
				r.err = fmt.Errorf("child %d: %s", i, msg)
			}
		}()
	}
	wg.Wait()
	var failed int64
	var took time.Duration
	var errs []error
	for _, r := range replies {
		failed += r.failed
		h.held += int(r.ok)
		took = max(took, r.took)
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	return failed, took, errors.Join(errs...)
}

func (h *procHolder) count() int { return h.held }

func (h *procHolder) close() {
	for _, c := range h.children {
		c.in.Close()
	}
	for _, c := range h.children {
		done := make(chan struct{})
		go func() { _ = c.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = c.cmd.Process.Kill()
			<-done
		}
	}
	h.children = nil
}

// runConnectChild is the child side: it obeys "dial <k>" lines on stdin.
func runConnectChild(ctx context.Context, o *options) error {
	d, err := o.dialer()
	if err != nil {
		return err
	}
	var hb *sioclient.Heartbeat
	h := &localHolder{d: d, conc: o.concurrency}
	defer func() {
		h.close()
		if hb != nil {
			hb.Close()
		}
	}()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var k int
		if _, err := fmt.Sscanf(in.Text(), "dial %d", &k); err != nil {
			return fmt.Errorf("child: bad command %q", in.Text())
		}
		before := h.count()
		if hb == nil && k > 0 {
			// The heartbeat needs the server's pingInterval: learn it
			// from a first connection.
			w, err := d.Dial(ctx)
			if err != nil {
				fmt.Fprintf(o.out, "dialed 0 %d 0 err %v\n", k, err)
				continue
			}
			hb = sioclient.NewHeartbeat(w.Open.PingInterval)
			h.hb = hb
			hb.Add(w)
			h.conns = append(h.conns, w)
			k--
		}
		failed, took, err := h.dial(ctx, k)
		ok := h.count() - before
		if err != nil && failed > 0 {
			fmt.Fprintf(o.out, "dialed %d %d %d err %v\n", ok, failed, took.Nanoseconds(), strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Fprintf(o.out, "dialed %d %d %d\n", ok, failed, took.Nanoseconds())
		}
	}
	return in.Err()
}
