package engineio

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// checkHeap verifies the heap order and every session's back index.
func checkHeap(t *testing.T, h *heartbeats) {
	t.Helper()
	for i, it := range h.items {
		if it.s.hbIdx != i+1 {
			t.Fatalf("item %d: hbIdx %d", i, it.s.hbIdx)
		}
		if i > 0 && h.items[(i-1)/2].at > it.at {
			t.Fatalf("item %d (at %d) above its parent (at %d)", i, it.at, h.items[(i-1)/2].at)
		}
	}
	// Armed at or before the earliest deadline (an early fire re-arms).
	if len(h.items) > 0 && (h.armed == 0 || h.armed > h.items[0].at) {
		t.Fatalf("armed for %d, earliest deadline %d", h.armed, h.items[0].at)
	}
}

// The ping timeout heap behind EIO-CL-03/EIO-CL-25/EIO-CL-26 (tested end to
// end elsewhere): order and back indexes after random re-arms and removals.
func TestHeartbeatsHeap(t *testing.T) {
	srv, err := NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &srv.hb
	far := srv.now() + int64(time.Hour) // never fires during the test
	rng := rand.New(rand.NewPCG(1, 2))
	socks := make([]*Socket, 300)
	for i := range socks {
		socks[i] = newSocket(srv, strconv.Itoa(i), nil)
	}
	for round := 0; round < 2000; round++ {
		s := socks[rng.IntN(len(socks))]
		h.mu.Lock()
		in := s.hbIdx != 0
		h.mu.Unlock()
		if in && rng.IntN(3) == 0 {
			h.remove(s)
		} else {
			h.schedule(s, far+rng.Int64N(int64(time.Minute)))
		}
		h.mu.Lock()
		checkHeap(t, h)
		h.mu.Unlock()
	}
	for _, s := range socks {
		h.remove(s)
		if s.hbIdx != 0 {
			t.Fatalf("removed session keeps hbIdx %d", s.hbIdx)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.items) != 0 || h.armed != 0 || h.items != nil {
		t.Fatalf("empty heap: %d items (cap %d), armed %d", len(h.items), cap(h.items), h.armed)
	}
}

// covers: EIO-CL-03, EIO-CL-25, EIO-CL-26
// Many silent sessions share the ping timeout timer: each one closes with
// "ping timeout", once, and the heap is empty (timer stopped) afterwards.
func TestHeartbeatsManySessions(t *testing.T) {
	ts := start(t, fastPing, nil)
	const n = 12
	var conns []*websocket.Conn
	for i := 0; i < n; i++ {
		if i%3 == 0 {
			ts.openB64()
		} else {
			c, _ := ts.openWS("")
			conns = append(conns, c)
		}
	}
	ids := map[string]bool{}
	for i := 0; i < n; i++ {
		ids[ts.sock("connection").ID()] = true
	}
	for i := 0; i < n; i++ {
		ev := ts.closed("close")
		if ev.reason != ReasonPingTimeout || !ids[ev.id] {
			t.Fatalf("close %+v", ev)
		}
		delete(ids, ev.id)
	}
	ts.waitClients(0)
	ts.hb.mu.Lock()
	left, armed := len(ts.hb.items), ts.hb.armed
	ts.hb.mu.Unlock()
	if left != 0 || armed != 0 {
		t.Fatalf("after all closed: %d in the heap, armed %d", left, armed)
	}
	for _, c := range conns {
		_ = c.Close()
	}
}
