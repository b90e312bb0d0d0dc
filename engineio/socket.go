package engineio

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastsio/fastsio/engineio/packet"
)

// Close reasons reported to Socket.OnClose. The first five are engine.io
// 1.8.3's; ReasonSendQueueOverflow is an extension (Options.MaxSendQueue).
const (
	ReasonTransportClose    = "transport close"
	ReasonPingTimeout       = "ping timeout"
	ReasonTransportError    = "transport error"
	ReasonParseError        = "parse error"
	ReasonForcedClose       = "forced close"
	ReasonSendQueueOverflow = "send queue overflow"
)

// Message is one engine.io message: UTF-8 text, or binary when Binary is set.
type Message struct {
	Data   []byte
	Binary bool
}

// SendOptions modify Socket.Send.
type SendOptions struct {
	// Volatile drops the messages (ErrDropped) unless the transport is
	// writable right now: a GET is parked (polling) or no write is in
	// progress (WebSocket), with nothing else queued.
	Volatile bool
	// NoCompress exempts the messages from permessage-deflate and HTTP
	// compression (socket.io's compress(false)).
	NoCompress bool
	// Batch, if set, holds the WebSocket write until the Batch is
	// flushed (see Batch).
	Batch *Batch
}

type sockState uint8

const (
	stateOpen sockState = iota
	stateClosing
	stateClosed
)

// outPacket is a queued packet. Data is shared with the caller of Send and
// never modified.
type outPacket struct {
	p          packet.Packet
	noCompress bool
}

// Socket is one engine.io session. All methods are safe for concurrent use.
type Socket struct {
	srv *Server
	id  string
	req *Request

	// mu guards every field below up to the callbacks. Nothing does I/O or
	// calls user code while holding it; work that must happen after the
	// state change is collected in deferred and run by unlock.
	mu         sync.Mutex
	deferred   []func()
	state      sockState
	queue      []outPacket
	spare      []outPacket
	queueBytes int
	poll       *pollTransport // the polling transport (sessions that started on polling)
	ws         *wsTransport   // the current WebSocket transport, once on WebSocket
	upg        *wsTransport   // a WebSocket being probed for an upgrade
	cookie     string         // Set-Cookie value for polling responses, "" for none
	batch      *Batch         // holds the WebSocket writes until it is flushed

	closeAfterDrain bool
	closeDiscard    bool

	hbIdx        int // ping timeout: position + 1 in srv.hb's heap, 0 = none (under srv.hb.mu)
	upgradeTimer *time.Timer
	noopTimer    *time.Timer
	closeTimer   *time.Timer

	lastRecv atomic.Int64 // server clock (ns) of the last received packet

	onMessage atomic.Pointer[func([]byte, bool)]
	onClose   atomic.Pointer[func(string)]
	onDrain   atomic.Pointer[func()]
	onBatch   atomic.Pointer[func()]
	delivered bool // a message was delivered since the last batchEnd (under dmu)

	// dmu is held while packets are delivered to OnMessage (by the
	// WebSocket reader or a POST handler); OnClose runs under it too, so
	// the two never overlap and no message follows OnClose.
	dmu        sync.Mutex
	reason     string // set once when state becomes closed (under mu)
	closeReady atomic.Bool
	closeFired atomic.Bool
}

func newSocket(srv *Server, id string, req *Request) *Socket {
	s := &Socket{srv: srv, id: id, req: req}
	s.lastRecv.Store(srv.now())
	return s
}

// ID returns the session id.
func (s *Socket) ID() string { return s.id }

// Request returns the handshake request. It is shared: do not modify it.
func (s *Socket) Request() *Request { return s.req }

// Transport returns the current transport name, "polling" or "websocket".
func (s *Socket) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ws != nil {
		return TransportWebSocket
	}
	return TransportPolling
}

// OnMessage sets the message handler. It is called on the goroutine reading
// the socket (the WebSocket reader, or the handler of the POST carrying the
// message), one call at a time, in arrival order; data is only valid during
// the call. Register it in the Server's OnConnection callback: messages are
// not delivered before that callback returns, and messages arriving while no
// handler is set are dropped.
func (s *Socket) OnMessage(fn func(data []byte, binary bool)) {
	s.onMessage.Store(&fn)
}

// OnClose sets the close handler, called exactly once with the reason (see
// the Reason constants), never concurrently with OnMessage and never before
// a message still being delivered. It runs on the goroutine that noticed the
// close (which may be the caller of Close).
func (s *Socket) OnClose(fn func(reason string)) {
	s.onClose.Store(&fn)
	if s.closeReady.Load() {
		s.maybeFireClose()
	}
}

// OnDrain sets a handler called each time the send queue has been handed to
// the network and is empty (engine.io's "drain"), on the goroutine that wrote
// it. Use it to pace producers together with ErrQueueFull.
func (s *Socket) OnDrain(fn func()) {
	s.onDrain.Store(&fn)
}

// OnBatchEnd sets a handler called on the reading goroutine after the
// messages of one received unit were delivered: one polling POST payload,
// or one WebSocket message. It runs under the same rules as OnMessage
// (never concurrently with it, never after OnClose) and only if at least
// one message was delivered. socket.io uses it to emulate 1.7.3's "next
// tick" boundaries.
func (s *Socket) OnBatchEnd(fn func()) {
	s.onBatch.Store(&fn)
}

// Send queues msgs, in order and atomically, and returns without waiting
// for the network. The Message values are copied, but their Data slices are
// kept until written and must not be modified afterwards (one Data may be
// shared by many sockets). It returns ErrClosed, ErrDropped (Volatile) or
// ErrQueueFull (which also closes the socket) without queueing anything.
func (s *Socket) Send(msgs []Message, opts SendOptions) error {
	if len(msgs) == 0 {
		return nil
	}
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return ErrClosed
	}
	if opts.Volatile && !s.writableLocked() {
		s.mu.Unlock()
		return ErrDropped
	}
	if max := s.srv.cfg.maxSendQueue; max > 0 {
		n := 0
		for i := range msgs {
			n += len(msgs[i].Data) + 1
		}
		if s.queueBytes+n > max {
			s.finishLocked(ReasonSendQueueOverflow)
			s.unlock()
			return ErrQueueFull
		}
	}
	if s.queue == nil {
		s.queue, s.spare = s.spare, nil
	}
	for i := range msgs {
		s.queue = append(s.queue, outPacket{
			p:          packet.Packet{Type: packet.Message, Data: msgs[i].Data, Binary: msgs[i].Binary},
			noCompress: opts.NoCompress,
		})
		s.queueBytes += len(msgs[i].Data) + 1
		if i == 0 && len(msgs) > 1 && s.ws == nil && s.poll != nil && s.poll.get != nil {
			// engine.io 1.8.3 flushes on every message it is given: a
			// parked GET takes the first one alone, the rest wait for
			// the next GET (socket.io's binary packet header, then its
			// attachments).
			s.flushLocked()
		}
	}
	if b := opts.Batch; b != nil {
		b.sends.Add(1)
		if s.batch == nil && s.ws != nil && !s.ws.flushing {
			b.holdLocked(s)
		}
	}
	if s.batch != nil && s.queueBytes >= batchHoldBytes {
		s.batch = nil // enough for a big write; the batch's Flush skips it
	}
	s.flushLocked()
	s.unlock()
	return nil
}

// Close closes the session after everything queued has been written; the
// reason reported is "forced close". Polling sessions deliver the close
// packet with the next GET (or drop it after 30 s).
func (s *Socket) Close() {
	s.mu.Lock()
	s.closeLocked(false)
	s.unlock()
}

// unlock releases mu and then runs the work deferred while it was held.
func (s *Socket) unlock() {
	fns := s.deferred
	s.deferred = nil
	s.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

func (s *Socket) after(f func()) { s.deferred = append(s.deferred, f) }

// enqueueLocked appends a control packet (pong, open).
func (s *Socket) enqueueLocked(p packet.Packet) {
	if s.queue == nil {
		s.queue, s.spare = s.spare, nil
	}
	s.queue = append(s.queue, outPacket{p: p})
	s.queueBytes += len(p.Data) + 1
}

// takeQueueLocked hands the whole queue to a writer.
func (s *Socket) takeQueueLocked() []outPacket {
	q := s.queue
	s.queue = nil
	s.queueBytes = 0
	return q
}

// recycle returns a written batch's backing array for reuse.
func (s *Socket) recycle(q []outPacket) {
	if cap(q) == 0 || cap(q) > 1024 {
		return
	}
	clear(q)
	s.mu.Lock()
	if s.spare == nil {
		s.spare = q[:0]
	}
	s.mu.Unlock()
}

// writableLocked reports engine.io's transport.writable with an empty
// buffer: a parked GET, or an idle WebSocket writer.
func (s *Socket) writableLocked() bool {
	if len(s.queue) != 0 {
		return false
	}
	if s.ws != nil {
		return !s.ws.flushing
	}
	return s.poll != nil && s.poll.get != nil
}

// flushLocked hands the queue to the current transport if it can take it.
func (s *Socket) flushLocked() {
	if s.state == stateClosed || len(s.queue) == 0 {
		return
	}
	if t := s.ws; t != nil {
		if !t.flushing && s.batch == nil {
			t.flushing = true
			if !s.srv.goTracked(func() { s.wsFlushLoop(t) }) {
				t.flushing = false
			}
		}
		return
	}
	p := s.poll
	if p == nil || p.get == nil {
		return
	}
	w := p.get
	p.get = nil
	w.assign(s.takeQueueLocked())
	s.drainedLocked()
}

// drainedLocked runs after the queue went to the network (engine.io's
// socket "drain"): a close waiting for it proceeds, OnDrain is called.
func (s *Socket) drainedLocked() {
	if s.closeAfterDrain && s.state == stateClosing {
		s.closeAfterDrain = false
		s.closeTransportLocked(s.closeDiscard)
		return
	}
	if s.state == stateOpen {
		if fn := s.onDrain.Load(); fn != nil {
			s.after(*fn)
		}
	}
}

// closeLocked starts an orderly close ("forced close").
func (s *Socket) closeLocked(discard bool) {
	if s.state != stateOpen {
		if discard && s.state == stateClosing && s.ws == nil && s.poll != nil && s.poll.get == nil {
			// Server shutdown while an orderly polling close waits for a
			// GET: stop waiting.
			s.finishLocked(ReasonForcedClose)
		}
		return
	}
	s.state = stateClosing
	// A WebSocket flusher may hold a batch it took from the queue and has
	// not written yet: wait for it too.
	if len(s.queue) > 0 || (s.ws != nil && s.ws.flushing) {
		if discard && s.ws == nil {
			// Polling with a backlog has no GET parked; shutting down does
			// not wait for one.
			s.finishLocked(ReasonForcedClose)
			return
		}
		s.closeAfterDrain = true
		s.closeDiscard = discard
		if discard && s.ws != nil {
			// Server shutdown: the drain may take closeWriteWait, not
			// as long as a peer that stopped reading likes.
			s.ws.cork.Expire(time.Now().Add(closeWriteWait))
		}
		return
	}
	s.closeTransportLocked(discard)
}

// closeTransportLocked closes the current transport after a drain; the
// session ends with "forced close".
func (s *Socket) closeTransportLocked(discard bool) {
	if s.ws != nil {
		s.finishLocked(ReasonForcedClose)
		return
	}
	p := s.poll
	if p.get != nil || discard {
		s.finishLocked(ReasonForcedClose) // a parked GET gets the close packet
		return
	}
	// Wait for the next GET to carry noop+close.
	p.shouldClose = true
	s.closeTimer = time.AfterFunc(s.srv.cfg.closeTimeout, func() {
		s.mu.Lock()
		s.finishLocked(ReasonForcedClose)
		s.unlock()
	})
}

var closePackets = []outPacket{{p: packet.Packet{Type: packet.Close}}}

// finishLocked ends the session (engine.io's socket.onClose): timers stop,
// the queue is dropped, a parked GET gets a close packet, WebSockets are
// closed, the session leaves the server and OnClose is scheduled.
func (s *Socket) finishLocked(reason string) {
	if s.state == stateClosed {
		return
	}
	s.state = stateClosed
	s.reason = reason
	s.srv.hb.remove(s)
	for _, t := range []*time.Timer{s.upgradeTimer, s.noopTimer, s.closeTimer} {
		if t != nil {
			t.Stop()
		}
	}
	clear(s.queue)
	s.queue, s.spare, s.queueBytes = nil, nil, 0
	if p := s.poll; p != nil && !p.closed {
		p.closed = true
		if w := p.get; w != nil {
			p.get = nil
			w.assign(closePackets)
		}
	}
	if t := s.ws; t != nil {
		s.after(t.close)
	}
	if t := s.upg; t != nil {
		s.upg = nil
		s.after(t.close)
	}
	s.after(func() {
		s.srv.remove(s)
		s.srv.cfg.log.Debug("engineio: session closed", "sid", s.id, "reason", reason)
		s.closeReady.Store(true)
		s.maybeFireClose()
	})
}

// maybeFireClose runs OnClose once the session is closed and no delivery is
// in progress; a delivering goroutine calls it again when it finishes.
func (s *Socket) maybeFireClose() {
	if !s.closeReady.Load() || s.closeFired.Load() {
		return
	}
	if !s.dmu.TryLock() {
		return // the delivering goroutine fires it in endDeliver
	}
	if s.closeFired.CompareAndSwap(false, true) {
		if fn := s.onClose.Load(); fn != nil {
			(*fn)(s.reason)
		}
		s.srv.sessionDone()
	}
	s.dmu.Unlock()
}

func (s *Socket) beginDeliver() { s.dmu.Lock() }

// batchEnd runs OnBatchEnd after a unit that delivered messages; the
// caller holds dmu.
func (s *Socket) batchEnd() {
	if !s.delivered {
		return
	}
	s.delivered = false
	if s.closeFired.Load() {
		return
	}
	if fn := s.onBatch.Load(); fn != nil {
		(*fn)()
	}
}

func (s *Socket) endDeliver() {
	s.dmu.Unlock()
	s.maybeFireClose()
}

// handlePacket applies one received packet (engine.io socket.onPacket)
// that arrived at now (server clock). The caller holds dmu.
func (s *Socket) handlePacket(p packet.Packet, now int64) {
	s.mu.Lock()
	if s.state != stateOpen || s.closeFired.Load() {
		s.mu.Unlock()
		return
	}
	s.lastRecv.Store(now)
	switch p.Type {
	case packet.Ping:
		if max := s.srv.cfg.maxSendQueue; max > 0 && s.queueBytes+1 > max {
			// A client that pings without reading the pongs fills the
			// queue like any other backlog: MaxSendQueue bounds it too.
			s.finishLocked(ReasonSendQueueOverflow)
			s.unlock()
			return
		}
		s.enqueueLocked(packet.Packet{Type: packet.Pong})
		if t := s.ws; t != nil && !t.flushing && s.batch == nil {
			// The WebSocket reader writes the pong itself (no writer
			// goroutine per heartbeat).
			s.unlock()
			s.writeInline()
			return
		}
		s.flushLocked()
		s.unlock()
	case packet.Message:
		s.mu.Unlock()
		if fn := s.onMessage.Load(); fn != nil {
			s.delivered = true
			(*fn)(p.Data, p.Binary)
		}
	default:
		// close (WebSocket), upgrade, noop, open, pong and unknown types
		// only count as activity.
		s.mu.Unlock()
	}
}

// writeFailedLocked ends the session after a failed WebSocket write; a
// server shutdown that cut the drain short is still "forced close".
func (s *Socket) writeFailedLocked() {
	if s.state == stateClosing && s.closeDiscard {
		s.finishLocked(ReasonForcedClose)
		return
	}
	s.finishLocked(ReasonTransportError)
}

// parseError closes the session with "parse error" if it is open.
func (s *Socket) parseError() {
	s.mu.Lock()
	if s.state == stateOpen {
		s.finishLocked(ReasonParseError)
	}
	s.unlock()
}

func (s *Socket) startPingTimer() {
	s.mu.Lock()
	if s.state != stateClosed {
		s.srv.hb.schedule(s, s.srv.now()+int64(s.srv.cfg.pingInterval+s.srv.cfg.pingTimeout))
	}
	s.mu.Unlock()
}

// onPingTimer closes the session if nothing arrived for
// pingInterval+pingTimeout; packets only record their arrival time, the
// deadline moves to the last arrival + that limit. srv.hb calls it for the
// sessions whose deadline passed, one after the other, so a close (which
// writes a close frame and runs OnClose) goes to a goroutine of its own,
// as with a timer per session.
func (s *Socket) onPingTimer() { s.checkPing(true) }

func (s *Socket) checkPing(async bool) {
	s.mu.Lock()
	if s.state == stateClosed {
		s.mu.Unlock()
		return
	}
	limit := s.srv.cfg.pingInterval + s.srv.cfg.pingTimeout
	idle := time.Duration(s.srv.now() - s.lastRecv.Load())
	if idle < limit {
		s.srv.hb.schedule(s, s.lastRecv.Load()+int64(limit))
		s.mu.Unlock()
		return
	}
	if async {
		s.mu.Unlock()
		go s.checkPing(false)
		return
	}
	s.finishLocked(ReasonPingTimeout)
	s.unlock()
}
