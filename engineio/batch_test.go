package engineio

import (
	"testing"
	"time"
)

func TestBatch(t *testing.T) {
	// covers: EIO-MSG-15
	t.Run("held until Flush, one write per session, order kept", func(t *testing.T) {
		ts := start(t, nil, nil)
		ca, _ := ts.openWS("")
		a := ts.sock("connection a")
		cb, _ := ts.openWS("")
		b := ts.sock("connection b")
		waitFlushed := func(s *Socket) {
			for s.flushingNow() {
				time.Sleep(time.Millisecond)
			}
		}
		waitFlushed(a)
		waitFlushed(b)
		bt := NewBatch(a, time.Hour)
		for _, m := range []string{"a1", "a2"} {
			if err := a.Send(text(m), SendOptions{Batch: bt}); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Send(text("b1"), SendOptions{Batch: bt}); err != nil {
			t.Fatal(err)
		}
		// Another Send without the batch must not overtake or unhold.
		if err := b.Send(text("b2"), SendOptions{}); err != nil {
			t.Fatal(err)
		}
		if !a.heldBy(bt) || !b.heldBy(bt) {
			t.Fatal("sessions not held by the batch")
		}
		bt.Flush()
		if a.heldBy(bt) || b.heldBy(bt) {
			t.Fatal("sessions still held after Flush")
		}
		for _, want := range []string{"4a1", "4a2"} {
			if got := readWSText(t, ca); got != want {
				t.Fatalf("a: got %q, want %q", got, want)
			}
		}
		for _, want := range []string{"4b1", "4b2"} {
			if got := readWSText(t, cb); got != want {
				t.Fatalf("b: got %q, want %q", got, want)
			}
		}
		// Reusable after Flush.
		_ = a.Send(text("a3"), SendOptions{Batch: bt})
		bt.Flush()
		if got := readWSText(t, ca); got != "4a3" {
			t.Fatalf("a: got %q", got)
		}
	})
	t.Run("flushes itself after its delay", func(t *testing.T) {
		ts := start(t, nil, nil)
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		bt := NewBatch(nil, time.Millisecond)
		_ = s.Send(text("x"), SendOptions{Batch: bt})
		if got := readWSText(t, c); got != "4x" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("polling is not held", func(t *testing.T) {
		ts := start(t, nil, nil)
		sid := ts.openB64()
		s := ts.sock("connection")
		bt := NewBatch(nil, time.Hour)
		_ = s.Send(text("p"), SendOptions{Batch: bt})
		if s.heldBy(bt) {
			t.Fatal("polling session held")
		}
		if r := ts.poll(sid); string(r.body) != "2:4p" {
			t.Fatalf("GET %q", r.body)
		}
	})
	t.Run("close waits for the batch", func(t *testing.T) {
		ts := start(t, nil, nil)
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		for s.flushingNow() {
			time.Sleep(time.Millisecond)
		}
		bt := NewBatch(nil, time.Hour)
		_ = s.Send(text("last"), SendOptions{Batch: bt})
		s.Close()
		bt.Flush()
		if got := readWSText(t, c); got != "4last" {
			t.Fatalf("got %q", got)
		}
		if ev := ts.closed("close"); ev.reason != ReasonForcedClose {
			t.Fatalf("reason %q", ev.reason)
		}
	})
}

func TestHandOff(t *testing.T) {
	// covers: EIO-MSG-15
	next := make(chan string, 10)
	handed := make(chan bool, 10)
	ts := start(t, nil, func(s *Socket) {
		s.OnMessage(func(data []byte, _ bool) {
			switch string(data) {
			case "wait":
				ok := s.HandOff()
				handed <- ok
				if !ok {
					return
				}
				// The reply to this message needs the next one: without
				// the hand-off this would wait forever.
				m := <-next
				_ = s.Send(text("got "+m), SendOptions{})
			default:
				next <- string(data)
			}
		})
	})
	c, _ := ts.openWS("")
	s := ts.sock("connection")
	if s.HandOff() {
		t.Fatal("HandOff outside a delivery succeeded")
	}
	for i := range 5 {
		writeWS(t, c, 1, "4wait")
		if !recv(t, handed, "hand-off") {
			t.Fatalf("round %d: HandOff refused", i)
		}
		writeWS(t, c, 1, "4go")
		if got := readWSText(t, c); got != "4got go" {
			t.Fatalf("round %d: got %q", i, got)
		}
	}
	writeWS(t, c, 1, "2")
	if got := readWSText(t, c); got != "3" {
		t.Fatalf("got %q, want pong", got)
	}
}

// heldBy and flushingNow are for tests.
func (s *Socket) heldBy(b *Batch) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.batch == b
}

func (s *Socket) flushingNow() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) > 0 || (s.ws != nil && s.ws.flushing)
}
