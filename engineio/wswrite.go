package engineio

import (
	"sync"

	"github.com/fasthttp/websocket"

	"github.com/fastsio/fastsio/engineio/internal/wsconn"
	"github.com/fastsio/fastsio/engineio/packet"
)

// The WebSocket write path: a session's queue is written by one writer at a
// time (wsFlushLoop, or writeInline on the caller's goroutine).

var wsBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeBatch writes one frame per packet, corked into as few writes as
// possible. A packet that is not compressed (permessage-deflate not
// negotiated, below the threshold, or NoCompress) is framed here and
// copied once, into the cork buffer; gorilla only writes the compressed
// ones (a copy into its buffer, a write deadline and a pooled writer per
// frame).
func (t *wsTransport) writeBatch(batch []outPacket) error {
	t.cork.Cork()
	deflate := t.cork.Deflate()
	var bp *[]byte
	var err error
	for i := range batch {
		op := &batch[i]
		p := op.p
		if !deflate || op.noCompress || wsPacketLen(p, t.b64) < t.threshold {
			var pre [4]byte
			switch {
			case !p.Binary:
				// "<type><text>": the type digit, then the data as is.
				err = t.cork.WriteFrame(wsconn.OpText, packet.AppendText(pre[:0], packet.Packet{Type: p.Type}), p.Data)
			case !t.b64:
				err = t.cork.WriteFrame(wsconn.OpBinary, append(pre[:0], byte(p.Type)), p.Data)
			default:
				// b64 sessions get binary as text "b<type><base64>".
				if bp == nil {
					bp = wsBufPool.Get().(*[]byte)
				}
				*bp = packet.AppendText((*bp)[:0], p)
				err = t.cork.WriteFrame(wsconn.OpText, nil, *bp)
			}
		} else {
			if bp == nil {
				bp = wsBufPool.Get().(*[]byte)
			}
			mt := websocket.TextMessage
			if p.Binary && !t.b64 {
				mt = websocket.BinaryMessage
				*bp = packet.AppendBinary((*bp)[:0], p)
			} else {
				*bp = packet.AppendText((*bp)[:0], p)
			}
			t.conn.EnableWriteCompression(true)
			t.cork.LibraryMessage(true)
			err = t.conn.WriteMessage(mt, *bp)
			t.cork.LibraryMessage(false)
		}
		if err != nil {
			break
		}
	}
	if uerr := t.cork.Uncork(); err == nil {
		err = uerr
	}
	if bp != nil && cap(*bp) <= 64<<10 {
		*bp = (*bp)[:0]
		wsBufPool.Put(bp)
	}
	return err
}

// wsPacketLen is the length of p's WebSocket payload, which
// permessage-deflate's threshold applies to.
func wsPacketLen(p packet.Packet, b64 bool) int {
	if p.Binary && !b64 {
		return 1 + len(p.Data)
	}
	return packet.TextLen(p)
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
