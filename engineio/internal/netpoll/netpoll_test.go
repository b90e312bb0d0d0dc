//go:build linux

package netpoll

import (
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return s, c
}

func rawConn(t *testing.T, c net.Conn) syscall.RawConn {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// waitReady fails unless ready fires within a generous deadline (a hang
// guard, not a timing assertion).
func waitReady(t *testing.T, ch chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("ready was not called")
	}
}

func notReady(t *testing.T, ch chan struct{}) {
	t.Helper()
	runtime.Gosched()
	select {
	case <-ch:
		t.Fatal("ready called without an event")
	default:
	}
}

func TestArmFiresOnceOnBytesAndEOF(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	srv, cli := tcpPair(t)
	ready := make(chan struct{}, 4)
	h, err := p.Register(rawConn(t, srv), func() { ready <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Arm(); err != nil {
		t.Fatal(err)
	}
	notReady(t, ready)
	if _, err := cli.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	waitReady(t, ready)
	// One-shot: without re-arming nothing more arrives, even with more bytes.
	if _, err := cli.Write([]byte("y")); err != nil {
		t.Fatal(err)
	}
	// Level-triggered re-arm: unread bytes fire at once.
	if err := h.Arm(); err != nil {
		t.Fatal(err)
	}
	waitReady(t, ready)
	buf := make([]byte, 2)
	if _, err := srv.Read(buf); err != nil {
		t.Fatal(err)
	}
	if err := h.Arm(); err != nil {
		t.Fatal(err)
	}
	cli.Close() // EOF wakes too
	waitReady(t, ready)
	h.Close()
	if err := h.Arm(); err != ErrClosed {
		t.Fatalf("Arm after Close: %v", err)
	}
	if n := p.Len(); n != 0 {
		t.Fatalf("%d handles left", n)
	}
}

func TestClosedConnection(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	srv, _ := tcpPair(t)
	h, err := p.Register(rawConn(t, srv), func() {})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := h.Arm(); err == nil {
		t.Fatal("Arm on a closed connection succeeded")
	}
	h.Close() // no panic, forgets the handle
	if n := p.Len(); n != 0 {
		t.Fatalf("%d handles left", n)
	}
}

func TestPollerClose(t *testing.T) {
	before := runtime.NumGoroutine()
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := tcpPair(t)
	h, err := p.Register(rawConn(t, srv), func() {})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Arm(); err != nil {
		t.Fatal(err)
	}
	p.Close()
	p.Close() // idempotent
	if _, err := p.Register(rawConn(t, srv), func() {}); err != ErrClosed {
		t.Fatalf("Register after Close: %v", err)
	}
	h.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines, %d before", n, before)
	}
}

// Events are matched by registration id: a handle closed before its
// descriptor's number is reused never fires for the new connection.
func TestStaleHandle(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	stale := make(chan struct{}, 1)
	srv1, _ := tcpPair(t)
	h1, err := p.Register(rawConn(t, srv1), func() { stale <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	if err := h1.Arm(); err != nil {
		t.Fatal(err)
	}
	h1.Close()
	srv1.Close()
	srv2, cli2 := tcpPair(t)
	fresh := make(chan struct{}, 1)
	h2, err := p.Register(rawConn(t, srv2), func() { fresh <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	if err := h2.Arm(); err != nil {
		t.Fatal(err)
	}
	if _, err := cli2.Write([]byte("z")); err != nil {
		t.Fatal(err)
	}
	waitReady(t, fresh)
	notReady(t, stale)
}

// BenchmarkArm re-arms an idle connection: the cost of parking it again.
func BenchmarkArm(b *testing.B) {
	p, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		b.Fatal(err)
	}
	h, err := p.Register(rc, func() {})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Arm(); err != nil {
			b.Fatal(err)
		}
	}
}
