package socketio

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fastsio/fastsio/engineio"
)

// TestMain fails the run when goroutines of this module (client workers,
// servers) are still alive after every test finished.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := waitNoLeaks(5 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left behind:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// waitNoLeaks polls until no goroutine runs code of the fastsio modules.
func waitNoLeaks(d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var bad []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "waitNoLeaks") || !strings.Contains(g, "github.com/fastsio/") {
				continue
			}
			if strings.Contains(g, "testing.(*M)") || strings.Contains(g, "testing.tRunner") {
				continue
			}
			bad = append(bad, g)
		}
		if len(bad) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(bad, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fakeConn stands in for an engine.io session: it records what the
// socket.io layer sends and lets tests inject messages and closes.
type fakeConn struct {
	id        string
	transport string
	c         *client

	mu       sync.Mutex
	closed   bool
	blocked  bool // volatile packets are dropped while set
	out      chan sent
	closeCnt int
}

type sent struct {
	msgs []engineio.Message
	opts engineio.SendOptions
}

func (s sent) String() string {
	parts := make([]string, len(s.msgs))
	for i, m := range s.msgs {
		if m.Binary {
			parts[i] = "<" + hex.EncodeToString(m.Data) + ">"
		} else {
			parts[i] = "4" + string(m.Data) // engine.io message type, as on the wire
		}
	}
	return strings.Join(parts, " + ")
}

func (f *fakeConn) ID() string        { return f.id }
func (f *fakeConn) Transport() string { return f.transport }

func (f *fakeConn) Send(msgs []engineio.Message, opts engineio.SendOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return engineio.ErrClosed
	}
	if opts.Volatile && f.blocked {
		return engineio.ErrDropped
	}
	select {
	case f.out <- sent{msgs: msgs, opts: opts}:
		return nil
	default:
		return engineio.ErrQueueFull
	}
}

// Close is the server closing the session: the engine reports "forced
// close" to the socket.io layer.
func (f *fakeConn) Close() {
	f.mu.Lock()
	already := f.closed
	f.closed = true
	f.closeCnt++
	f.mu.Unlock()
	if !already {
		f.c.onClose(ReasonForcedClose)
	}
}

// engineClose is the session ending for reason (client gone, timeout...).
func (f *fakeConn) engineClose(reason string) {
	f.mu.Lock()
	already := f.closed
	f.closed = true
	f.mu.Unlock()
	if !already {
		f.c.onClose(reason)
	}
}

func (f *fakeConn) setBlocked(b bool) {
	f.mu.Lock()
	f.blocked = b
	f.mu.Unlock()
}

func (f *fakeConn) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

// text feeds one text engine.io message written as on the wire ("42[...]":
// the leading "4" is the engine.io message type).
func (f *fakeConn) text(s string) {
	if !strings.HasPrefix(s, "4") {
		panic("text messages start with the engine.io type 4: " + s)
	}
	f.c.onMessage([]byte(s[1:]), false)
}

// bin feeds one binary engine.io message.
func (f *fakeConn) bin(b ...byte) { f.c.onMessage(b, true) }

// next returns the next sent packet (all its messages).
func (f *fakeConn) next(t testing.TB) sent {
	t.Helper()
	select {
	case s := <-f.out:
		return s
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: nothing sent within 5s", f.id)
		return sent{}
	}
}

// expect checks the next sent packets, rendered as text ("40/chat",
// "451-[...] + <010203>").
func (f *fakeConn) expect(t testing.TB, want ...string) {
	t.Helper()
	for _, w := range want {
		if got := f.next(t).String(); got != w {
			t.Fatalf("%s: sent %q, want %q", f.id, got, w)
		}
	}
}

// quiet checks that nothing is sent for a short while (used only to
// assert absence; never to measure time).
func (f *fakeConn) quiet(t testing.TB) {
	t.Helper()
	f.sync(t)
	select {
	case s := <-f.out:
		t.Fatalf("%s: unexpected packet %q", f.id, s.String())
	default:
	}
}

// sync waits until the client's queue has been processed: it runs a
// marker job through the worker.
func (f *fakeConn) sync(t testing.TB) {
	t.Helper()
	done := make(chan struct{})
	// Checked and queued under one lock: a worker finalizing in between
	// would drop the marker (enqueueInternal after finalize).
	f.c.mu.Lock()
	if f.c.finalized {
		f.c.mu.Unlock()
		f.c.srv.workers.wait(context.Background())
		return
	}
	f.c.queue = append(f.c.queue, job{kind: jobAckCallback, ack: func(Args) { close(done) }})
	f.c.kickLocked()
	f.c.mu.Unlock()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: worker did not drain within 5s", f.id)
	}
}

type testServer struct {
	*Server
	t     testing.TB
	mu    sync.Mutex
	conns []*fakeConn
	n     int
}

func newTestServer(t testing.TB, opts *Options) *testServer {
	t.Helper()
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: s, t: t}
	t.Cleanup(ts.shutdown)
	return ts
}

const testURL = "/socket.io/?EIO=3&transport=polling&t=Q8Jiw3g&b64=1"

// connect opens a fake engine.io session with the given handshake URL
// ("" = testURL) and returns it once the root CONNECT was sent.
func (ts *testServer) connect(url string) *fakeConn {
	ts.t.Helper()
	f := ts.open(url)
	f.expect(ts.t, "40")
	return f
}

// open opens a session without waiting for anything.
func (ts *testServer) open(url string) *fakeConn {
	if url == "" {
		url = testURL
	}
	ts.mu.Lock()
	ts.n++
	f := &fakeConn{id: fmt.Sprintf("sid%d", ts.n), transport: "polling", out: make(chan sent, 100000)}
	ts.conns = append(ts.conns, f)
	ts.mu.Unlock()
	r := &engineio.Request{URL: url, RawHeader: "User-Agent: test\r\n", RemoteAddr: "127.0.0.1:4242"}
	f.c = newClient(ts.Server, f, r)
	f.c.start()
	return f
}

func (ts *testServer) shutdown() {
	ts.mu.Lock()
	conns := ts.conns
	ts.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, f := range conns {
		f.engineClose(ReasonTransportClose)
	}
	if err := ts.Close(ctx); err != nil {
		ts.t.Errorf("Close: %v", err)
	}
}

// wait receives from ch or fails after 5s.
func wait[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting")
		var zero T
		return zero
	}
}

// pendingAcks returns the number of registered server-side acks (tests).
func (s *Socket) pendingAcks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acks)
}

// roomCount returns the number of rooms (tests).
func (a *memoryAdapter) roomCount() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.rooms)
}
