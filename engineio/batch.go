package engineio

import (
	"sync"
	"time"
)

// Batch defers the WebSocket writes of the Sends made with it
// (SendOptions.Batch) until Flush, so that many messages queued for one
// session during a unit of work leave in one write: a broadcast handler
// that emits ten messages to ten thousand sessions costs one write per
// session instead of up to ten. Flush writes the owner's queue on the
// calling goroutine and starts one writer per other session; a Batch not
// flushed within its maxDelay flushes itself, so a holder that blocks
// cannot hold messages back for long. Sends to polling sessions and sends
// to a session whose writer already runs are not deferred. A Batch is
// safe for concurrent use and reusable after Flush.
type Batch struct {
	owner    *Socket
	maxDelay time.Duration

	mu    sync.Mutex
	socks []*Socket // sessions holding writes for this batch
	timer *time.Timer
	armed bool
}

// NewBatch returns a Batch whose Flush writes owner's queue itself (owner
// may be nil). maxDelay bounds how long a write is held (at least 1 ms).
func NewBatch(owner *Socket, maxDelay time.Duration) *Batch {
	if maxDelay < time.Millisecond {
		maxDelay = time.Millisecond
	}
	return &Batch{owner: owner, maxDelay: maxDelay}
}

// holdLocked makes s wait for b's Flush; the caller holds s.mu and s is on
// an idle WebSocket.
func (b *Batch) holdLocked(s *Socket) {
	s.batch = b
	b.mu.Lock()
	b.socks = append(b.socks, s)
	if !b.armed {
		b.armed = true
		if b.timer == nil {
			b.timer = time.AfterFunc(b.maxDelay, b.expire)
		} else {
			b.timer.Reset(b.maxDelay)
		}
	}
	b.mu.Unlock()
}

func (b *Batch) expire() { b.flush(false) }

// Flush writes what the batch holds: the owner's queue on the calling
// goroutine, every other session's by its own writer goroutine.
func (b *Batch) Flush() { b.flush(true) }

func (b *Batch) flush(inline bool) {
	b.mu.Lock()
	socks := b.socks
	b.socks = nil
	if b.armed {
		b.armed = false
		b.timer.Stop()
	}
	b.mu.Unlock()
	var self *Socket
	for i, s := range socks {
		socks[i] = nil
		s.mu.Lock()
		if s.batch == b {
			s.batch = nil
		}
		if inline && s == b.owner {
			self = s
		} else {
			s.flushLocked()
		}
		s.unlock()
	}
	b.mu.Lock()
	if b.socks == nil && cap(socks) <= 1024 {
		b.socks = socks[:0]
	}
	b.mu.Unlock()
	if self != nil {
		self.writeInline()
	}
}

// writeInline writes one batch of s's WebSocket queue on the calling
// goroutine if no writer runs; whatever arrives meanwhile goes to a writer
// goroutine.
func (s *Socket) writeInline() {
	s.mu.Lock()
	t := s.ws
	if t == nil || t.flushing || s.batch != nil || s.state == stateClosed || len(s.queue) == 0 {
		s.flushLocked()
		s.unlock()
		return
	}
	t.flushing = true
	batch := s.takeQueueLocked()
	s.mu.Unlock()
	err := t.writeBatch(batch)
	s.recycle(batch)
	s.mu.Lock()
	t.flushing = false
	switch {
	case err != nil:
		if s.ws == t {
			s.writeFailedLocked()
		}
	case s.ws != t || s.state == stateClosed:
	case len(s.queue) > 0:
		s.flushLocked()
	default:
		s.drainedLocked()
	}
	s.unlock()
}
