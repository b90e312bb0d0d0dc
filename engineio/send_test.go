package engineio

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// covers: EIO-MSG-15
func TestSendSemantics(t *testing.T) {
	t.Run("volatile on polling", func(t *testing.T) {
		ts := start(t, nil, nil)
		sid := ts.openB64()
		s := ts.sock("connection")
		if err := s.Send(text("v"), SendOptions{Volatile: true}); !errors.Is(err, ErrDropped) {
			t.Fatalf("volatile without a parked GET: %v", err)
		}
		g := ts.pollAsync(sid)
		waitParked(t, ts.Server, sid)
		if err := s.Send(text("v1"), SendOptions{Volatile: true}); err != nil {
			t.Fatalf("volatile with a parked GET: %v", err)
		}
		if r := recv(t, g, "GET"); string(r.body) != "3:4v1" {
			t.Errorf("GET %q", r.body)
		}
	})
	t.Run("EIO-MSG-15 drain", func(t *testing.T) {
		drained := make(chan struct{}, 10)
		ts := start(t, nil, func(s *Socket) { s.OnDrain(func() { drained <- struct{}{} }) })
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		recv(t, drained, "drain after the open packet")
		_ = s.Send(text("a"), SendOptions{})
		readWSText(t, c)
		recv(t, drained, "drain")
		if len(drained) != 0 {
			t.Errorf("extra drains")
		}
	})
	t.Run("queue overflow closes", func(t *testing.T) {
		ts := start(t, &Options{MaxSendQueue: 10}, nil)
		ts.openB64()
		s := ts.sock("connection")
		if err := s.Send(text("12345678"), SendOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Send(text("12"), SendOptions{}); !errors.Is(err, ErrQueueFull) {
			t.Fatalf("Send = %v, want ErrQueueFull", err)
		}
		if ev := ts.closed("close"); ev.reason != ReasonSendQueueOverflow {
			t.Errorf("reason %q", ev.reason)
		}
		if err := s.Send(text("x"), SendOptions{}); !errors.Is(err, ErrClosed) {
			t.Errorf("Send after close = %v", err)
		}
	})
	t.Run("empty Send", func(t *testing.T) {
		ts := start(t, nil, nil)
		ts.openB64()
		if err := ts.sock("connection").Send(nil, SendOptions{}); err != nil {
			t.Error(err)
		}
	})
}

// TestConcurrentSends: many goroutines send to one WebSocket session; every
// message arrives, and each goroutine's messages keep their order.
func TestConcurrentSends(t *testing.T) {
	ts := start(t, nil, nil)
	c, _ := ts.openWS("")
	s := ts.sock("connection")
	const senders, per = 8, 200
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				_ = s.Send([]Message{{Data: []byte(strconv.Itoa(g) + ":" + strconv.Itoa(i))}}, SendOptions{})
			}
		}()
	}
	next := make([]int, senders)
	for range senders * per {
		m := readWSText(t, c)
		g, i, _ := strings.Cut(m[1:], ":")
		gi, _ := strconv.Atoi(g)
		ii, _ := strconv.Atoi(i)
		if ii != next[gi] {
			t.Fatalf("sender %d: got %d, want %d", gi, ii, next[gi])
		}
		next[gi]++
	}
	wg.Wait()
}

// TestSendBatchAtomic: the messages of one Send stay together and in
// order even with concurrent senders.
func TestSendBatchAtomic(t *testing.T) {
	ts := start(t, nil, nil)
	sid := ts.openB64()
	s := ts.sock("connection")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := strconv.Itoa(g)
			_ = s.Send([]Message{{Data: []byte(b + "a")}, {Data: []byte(b + "b")}, {Data: []byte(b + "c")}}, SendOptions{})
		}()
	}
	wg.Wait()
	var got []string
	for len(got) < 12 {
		for _, p := range decodePayload(t, ts.poll(sid)) {
			got = append(got, string(p.Data))
		}
	}
	for i := 0; i < 12; i += 3 {
		g := got[i][:1]
		if got[i] != g+"a" || got[i+1] != g+"b" || got[i+2] != g+"c" {
			t.Fatalf("batches interleaved: %q", got)
		}
	}
}

// TestMessageOrderWebSocket: 500 rapid client messages arrive in order.
func TestMessageOrderWebSocket(t *testing.T) {
	ts := start(t, nil, nil)
	c, _ := ts.openWS("")
	col := newCollector(ts.sock("connection"))
	for i := range 500 {
		if err := c.WriteMessage(websocket.TextMessage, []byte("4"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	got := col.wait(t, 500)
	for i, m := range got {
		if string(m.Data) != strconv.Itoa(i) {
			t.Fatalf("message %d = %q", i, m.Data)
		}
	}
	_ = time.Now
}
