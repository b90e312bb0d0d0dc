package engineio

import (
	"sync"
	"sync/atomic"
	"time"
)

// Batch defers the WebSocket writes of the Sends made with it
// (SendOptions.Batch) until Flush, so that many messages queued for one
// session during a unit of work leave in one write: a broadcast handler
// that emits ten messages to ten thousand sessions costs one write per
// session instead of up to ten. Flush writes the owner's queue on the
// calling goroutine and starts one writer per other session. A Batch not
// flushed within its maxDelay flushes itself, so a holder that blocks
// cannot hold messages back for long; while Sends keep coming it waits
// another maxDelay, up to batchMaxHold times maxDelay in all (a handler
// that is still emitting is not blocked, and writing each session's
// messages at once costs one write instead of several). A session holding
// batchHoldBytes or more is written at once. Sends to polling sessions and
// sends to a session whose writer already runs are not deferred. A Batch
// is safe for concurrent use and reusable after Flush.
type Batch struct {
	owner    *Socket
	maxDelay time.Duration
	sends    atomic.Uint64 // Sends made with the batch

	mu    sync.Mutex
	socks []*Socket // sessions holding writes for this batch
	timer *time.Timer
	armed bool
	live  atomic.Bool // armed, readable without mu
	since time.Time   // when armed
	seen  uint64      // sends when armed or last extended
}

const (
	batchMaxHold   = 10
	batchHoldBytes = 64 << 10
)

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
		b.live.Store(true)
		b.since = time.Now()
		b.seen = b.sends.Load()
		if b.timer == nil {
			b.timer = time.AfterFunc(b.maxDelay, b.expire)
		} else {
			b.timer.Reset(b.maxDelay)
		}
	}
	b.mu.Unlock()
}

// expire flushes the batch unless Sends arrived since it was armed or last
// extended and it has not held writes for batchMaxHold*maxDelay yet.
func (b *Batch) expire() {
	b.mu.Lock()
	if b.armed {
		if n := b.sends.Load(); n != b.seen && time.Since(b.since) < batchMaxHold*b.maxDelay {
			b.seen = n
			b.timer.Reset(b.maxDelay)
			b.mu.Unlock()
			return
		}
	}
	b.mu.Unlock()
	b.flush(false)
}

// Flush writes what the batch holds: the owner's queue on the calling
// goroutine, every other session's by its own writer goroutine.
func (b *Batch) Flush() { b.flush(true) }

func (b *Batch) flush(inline bool) {
	if !b.live.Load() {
		// Nothing held (the common case at the end of a job); a hold made
		// earlier by this goroutine is visible here.
		return
	}
	b.mu.Lock()
	socks := b.socks
	b.socks = nil
	if b.armed {
		b.armed = false
		b.live.Store(false)
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
