package socketio

import (
	"slices"
	"sync"
	"time"
)

// runners keeps a few client-worker goroutines parked between bursts of
// work. A client's worker starts when a job arrives on an idle client and
// ends when its queue is empty, so under a steady request/reply load it
// starts once per event; waking a parked runner, whose stack has already
// grown to what handlers need, costs less than a new goroutine that grows
// its stack again (measured: the echo benchmark spent about a tenth of the
// server's CPU in goroutine creation and stack growth). At most
// maxIdleRunners are parked; each exits after runnerIdle without work, or
// when the Server closes, so an idle server keeps no goroutine for long.
type runners struct {
	mu     sync.Mutex
	idle   []*runner // parked, most recently parked last
	closed bool
}

type runner struct {
	ch chan *client // buffered: the client to work for; closed at shutdown
	t  *time.Timer  // idle timeout
}

const (
	maxIdleRunners = 16
	runnerIdle     = time.Second
)

// start runs c.work on a parked runner, or on a new goroutine.
func (p *runners) start(c *client) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		r := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		r.ch <- c // never blocks: popped runners have an empty buffer
		return
	}
	p.mu.Unlock()
	go p.run(c)
}

// run works for c, then parks until the next client, its idle timeout or
// the close.
func (p *runners) run(c *client) {
	var r *runner
	for c != nil {
		c.work()
		p.mu.Lock()
		if p.closed || len(p.idle) >= maxIdleRunners {
			p.mu.Unlock()
			if r != nil {
				r.t.Stop()
			}
			return
		}
		if r == nil {
			r = &runner{ch: make(chan *client, 1), t: time.NewTimer(runnerIdle)}
		} else {
			r.t.Reset(runnerIdle)
		}
		p.idle = append(p.idle, r)
		p.mu.Unlock()
		select {
		case c = <-r.ch:
		case <-r.t.C:
			p.mu.Lock()
			if i := slices.Index(p.idle, r); i >= 0 {
				p.idle = slices.Delete(p.idle, i, i+1)
				p.mu.Unlock()
				return
			}
			p.mu.Unlock()
			// Popped meanwhile: its client is on the way (or the
			// channel is closed).
			c = <-r.ch
		}
	}
	r.t.Stop() // closed: c is nil
}

// close makes every parked runner exit, and busy ones when they finish.
func (p *runners) close() {
	p.mu.Lock()
	p.closed = true
	for _, r := range p.idle {
		close(r.ch)
	}
	clear(p.idle)
	p.idle = nil
	p.mu.Unlock()
}
