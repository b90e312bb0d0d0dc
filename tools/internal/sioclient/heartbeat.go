package sioclient

import (
	"sync"
	"sync/atomic"
	"time"
)

// Heartbeat pings every registered websocket connection once per interval
// from a single goroutine, so idle connections stay alive without a timer
// goroutine each (engine.io v3: the client pings, the server answers "3" and
// times the session out after pingInterval+pingTimeout without traffic).
// Pongs are consumed by whoever reads the connection.
type Heartbeat struct {
	mu     sync.Mutex
	conns  map[*WSConn]struct{}
	snap   []*WSConn
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	Errors atomic.Int64 // pings that failed to write
	Sent   atomic.Int64
}

// NewHeartbeat starts the ping goroutine; Close stops it.
func NewHeartbeat(interval time.Duration) *Heartbeat {
	if interval <= 0 {
		interval = 25 * time.Second
	}
	h := &Heartbeat{conns: make(map[*WSConn]struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go h.run(interval)
	return h
}

// Add registers w; Remove unregisters it.
func (h *Heartbeat) Add(w *WSConn) {
	h.mu.Lock()
	h.conns[w] = struct{}{}
	h.mu.Unlock()
}

// Remove unregisters w.
func (h *Heartbeat) Remove(w *WSConn) {
	h.mu.Lock()
	delete(h.conns, w)
	h.mu.Unlock()
}

// Close stops the goroutine and waits for it.
func (h *Heartbeat) Close() {
	h.once.Do(func() { close(h.stop) })
	<-h.done
}

func (h *Heartbeat) run(interval time.Duration) {
	defer close(h.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		h.mu.Lock()
		h.snap = h.snap[:0]
		for w := range h.conns {
			h.snap = append(h.snap, w)
		}
		h.mu.Unlock()
		for _, w := range h.snap {
			select {
			case <-h.stop:
				return
			default:
			}
			if err := w.Ping(); err != nil {
				h.Errors.Add(1)
			} else {
				h.Sent.Add(1)
			}
		}
	}
}
