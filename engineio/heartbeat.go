package engineio

import (
	"sync"
	"time"
)

// heartbeats runs the ping timeouts of all sessions of a server from one
// timer instead of a time.Timer per session (about 130 bytes each, kept
// for the session's lifetime): a min-heap of deadlines, with the timer
// armed for the earliest. A session is in the heap while its ping timeout
// runs; Socket.hbIdx (guarded by mu) is its position + 1, 0 when absent.
//
// Lock order: a Socket's mu, then heartbeats.mu; fire calls sessions with
// mu released.
type heartbeats struct {
	mu    sync.Mutex
	items []hbItem
	timer *time.Timer
	armed int64 // server clock the timer fires at; 0 = stopped
}

type hbItem struct {
	at int64 // server clock (ns) of the deadline
	s  *Socket
}

// schedule sets s's deadline to at (server clock), adding s if absent.
func (h *heartbeats) schedule(s *Socket, at int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if i := s.hbIdx - 1; i >= 0 {
		h.items[i].at = at
		if !h.up(i) {
			h.down(i)
		}
	} else {
		h.items = append(h.items, hbItem{at: at, s: s})
		i = len(h.items) - 1
		s.hbIdx = i + 1
		h.up(i)
	}
	h.armLocked()
}

// remove takes s out of the heap (session closed).
func (h *heartbeats) remove(s *Socket) {
	h.mu.Lock()
	defer h.mu.Unlock()
	i := s.hbIdx - 1
	if i < 0 {
		return
	}
	h.deleteLocked(i)
	h.armLocked()
}

func (h *heartbeats) deleteLocked(i int) {
	last := len(h.items) - 1
	if i != last {
		h.swap(i, last)
	}
	h.items[last].s.hbIdx = 0
	h.items[last] = hbItem{}
	h.items = h.items[:last]
	if i != last && !h.up(i) {
		h.down(i)
	}
	if len(h.items) == 0 || cap(h.items) > 64 && len(h.items) < cap(h.items)/4 {
		// Give the memory back after a burst of sessions ended.
		h.items = append([]hbItem(nil), h.items...)
	}
}

// armLocked points the timer at the earliest deadline, or stops it.
func (h *heartbeats) armLocked() {
	if len(h.items) == 0 {
		if h.armed != 0 {
			h.timer.Stop()
			h.armed = 0
		}
		return
	}
	first := h.items[0]
	if h.armed != 0 && h.armed <= first.at {
		return // fires earlier; fire re-arms
	}
	h.armed = first.at
	d := time.Duration(first.at - first.s.srv.now())
	if h.timer == nil {
		h.timer = time.AfterFunc(d, h.fire)
		return
	}
	h.timer.Reset(d)
}

// fire takes every session whose deadline passed out of the heap and lets
// it check its ping timeout (which reschedules it if packets arrived).
func (h *heartbeats) fire() {
	h.mu.Lock()
	var due []*Socket
	var now int64
	if len(h.items) > 0 {
		now = h.items[0].s.srv.now()
	}
	for len(h.items) > 0 && h.items[0].at <= now {
		due = append(due, h.items[0].s)
		h.deleteLocked(0)
	}
	h.armed = 0
	h.armLocked()
	h.mu.Unlock()
	for _, s := range due {
		s.onPingTimer()
	}
}

func (h *heartbeats) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].s.hbIdx = i + 1
	h.items[j].s.hbIdx = j + 1
}

// up moves item i towards the root; it reports whether it moved.
func (h *heartbeats) up(i int) bool {
	moved := false
	for i > 0 {
		p := (i - 1) / 2
		if h.items[p].at <= h.items[i].at {
			break
		}
		h.swap(i, p)
		i = p
		moved = true
	}
	return moved
}

func (h *heartbeats) down(i int) {
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.items[r].at < h.items[l].at {
			m = r
		}
		if h.items[i].at <= h.items[m].at {
			return
		}
		h.swap(i, m)
		i = m
	}
}
