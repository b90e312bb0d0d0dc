package engineio

import (
	"sync"

	"github.com/fasthttp/websocket"

	"github.com/fastsio/fastsio/engineio/packet"
)

// The WebSocket write path: a session's queue is written by one writer at a
// time (wsFlushLoop, or writeInline on the caller's goroutine).

var wsBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeBatch writes one frame per packet, corked into as few writes as
// possible.
func (t *wsTransport) writeBatch(batch []outPacket) error {
	t.cork.Cork()
	bp := wsBufPool.Get().(*[]byte)
	b := (*bp)[:0]
	var err error
	for i := range batch {
		op := &batch[i]
		mt := websocket.TextMessage
		if op.p.Binary && !t.b64 {
			mt = websocket.BinaryMessage
			b = packet.AppendBinary(b[:0], op.p)
		} else {
			b = packet.AppendText(b[:0], op.p)
		}
		t.conn.EnableWriteCompression(!op.noCompress && len(b) >= t.threshold)
		if err = t.conn.WriteMessage(mt, b); err != nil {
			break
		}
	}
	if uerr := t.cork.Uncork(); err == nil {
		err = uerr
	}
	if cap(b) <= 64<<10 {
		*bp = b[:0]
		wsBufPool.Put(bp)
	}
	return err
}

// wsFlushLoop is the short-lived writer goroutine of a WebSocket session:
// it exists while the queue is non-empty and exits when it is drained.
func (s *Socket) wsFlushLoop(t *wsTransport) {
	for {
		s.mu.Lock()
		if s.ws != t || s.state == stateClosed || len(s.queue) == 0 {
			t.flushing = false
			if s.ws == t && s.state != stateClosed {
				s.drainedLocked()
			}
			s.unlock()
			return
		}
		batch := s.takeQueueLocked()
		s.mu.Unlock()
		err := t.writeBatch(batch)
		s.recycle(batch)
		if err != nil {
			s.mu.Lock()
			t.flushing = false
			if s.ws == t {
				s.writeFailedLocked()
			}
			s.unlock()
			return
		}
	}
}
