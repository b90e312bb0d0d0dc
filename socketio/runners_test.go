package socketio

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

// goid returns the calling goroutine's id (from its stack header).
func goid() string {
	var b [64]byte
	n := runtime.Stack(b[:], false)
	f := bytes.Fields(b[:n])
	if len(f) < 2 {
		return ""
	}
	return string(f[1])
}

// TestRunnerReuse: a client's next burst of work runs on the parked
// runner of the previous one, in order; Close ends the parked runners.
func TestRunnerReuse(t *testing.T) {
	// covers: SIO-SK-03
	s, err := NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: s, t: t}
	ids := make(chan string, 10)
	s.Of("/").On("who", func(_ *Socket, _ Args, _ AckFunc) { ids <- goid() })
	f := ts.connect("")
	parked := func() int {
		s.runners.mu.Lock()
		defer s.runners.mu.Unlock()
		return len(s.runners.idle)
	}
	var first string
	for i := range 3 {
		deadline := time.Now().Add(5 * time.Second)
		for parked() != 1 { // the previous worker parks after its job
			if time.Now().After(deadline) {
				t.Fatalf("round %d: %d runners parked, want 1", i, parked())
			}
			time.Sleep(time.Millisecond)
		}
		f.text(`42["who"]`)
		id := wait(t, ids)
		if i == 0 {
			first = id
		} else if id != first {
			t.Fatalf("round %d ran on goroutine %s, want the parked runner %s", i, id, first)
		}
	}
	f.engineClose(ReasonTransportClose)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := parked(); n != 0 {
		t.Fatalf("%d runners parked after Close", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		if !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "(*runners).run") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a runner goroutine is still alive after Close")
		}
		time.Sleep(time.Millisecond)
	}
}
