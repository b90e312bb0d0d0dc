package engineio

import (
	"bufio"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/fasthttp/websocket"

	"github.com/fastsio/fastsio/engineio/internal/netpoll"
	"github.com/fastsio/fastsio/engineio/internal/wsconn"
	"github.com/fastsio/fastsio/engineio/packet"
)

const (
	// wsReadBufferSize is gorilla's read buffer: small, since a large
	// message is read past it straight into the message buffer.
	wsReadBufferSize  = 512
	wsWriteBufferSize = 4096
	// closeWriteWait bounds writing a close frame; closeReadWait is how
	// long the reader waits for the peer's close frame after ours.
	closeWriteWait = time.Second
	closeReadWait  = 2 * time.Second
)

// parkAfter is how long a reader waits between messages before its
// connection is parked; a connection whose last two messages were further
// apart than this parks as soon as it has nothing to read. A variable for
// the tests, which park every connection as soon as it can.
var parkAfter = int64(time.Second)

// wsRequest is what an upgrade request's handler copies out of the
// fasthttp context for the hijacked connection's goroutine.
type wsRequest struct {
	transport string
	sid       string
	b64       bool
	header    http.Header
	req       *Request // handshakes only
}

// wsTransport is one WebSocket connection. flushing is guarded by the
// owning Socket's mu; the gorilla Conn is written by one writer at a time
// (the flusher, or the reader before the transport is the session's).
//
// Reading: exactly one goroutine at a time is the connection's reader, and
// the connection may have none. rstate says who owns the reading: a reader
// goroutine (rActive, or rWaiting while it waits for bytes between
// messages), or the server's poller (rParked: the connection was idle, its
// reader goroutine ended, and the poller starts a new one when bytes
// arrive). The idle sweep moves a reader that waits too long out of its
// wait (rWaiting → rKicking → rKicked) by setting a past read deadline; a
// close takes a parked connection back (rParked → rActive) so that a reader
// waits for the peer's close frame. Every transition is a CAS, so exactly
// one party wins each race. The reader that sees the connection end tears
// it down (finish).
type wsTransport struct {
	sock      *Socket
	conn      *websocket.Conn
	cork      *wsconn.Conn
	raw       net.Conn
	br        *bufio.Reader // gorilla's read buffer (ours, so we can see what it holds)
	b64       bool
	threshold int
	flushing  bool
	// dstate is gen<<1 | delivering: the reader sets bit 0 while it hands
	// a message to OnMessage and clears it with a CAS; HandOff takes it
	// with a CAS that also counts gen up, so exactly one of them ends the
	// delivery.
	dstate    atomic.Uint64
	closeOnce sync.Once
	hard      atomic.Bool // close without a close frame (shutdown past its deadline)

	// Parking (nil rc: the connection cannot be parked).
	rc        syscall.RawConn
	peekFn    func(uintptr) bool
	peekErr   error           // set by peekFn (reader only)
	waited    bool            // peekFn saw EAGAIN and RawConn.Read waited (reader only)
	ph        *netpoll.Handle // reader only, once parked
	rstate    atomic.Int32
	lastMsg   atomic.Int64  // server clock of the last message read
	prevGap   int64         // time between the last two messages (reader only)
	closing   atomic.Bool   // close sent: wait for the peer, never park
	closeDL   atomic.Int64  // the close wait's deadline (UnixNano)
	ended     chan struct{} // closed by finish; made when a goroutine waits for it
	finishOne sync.Once
}

const (
	rActive int32 = iota
	rWaiting
	rKicking
	rKicked
	rParked
)

// close sends a normal close frame (1000) and gives the peer closeReadWait
// to answer before the reader gives up; the reader closes the connection.
func (t *wsTransport) close() {
	t.closeOnce.Do(func() {
		if t.hard.Load() {
			_ = t.raw.Close()
			t.unpark()
			return
		}
		// The session is over: a writer blocked on a peer that does not
		// read gives up too, instead of holding its goroutine (and, for a
		// Batch flushed inline, the caller's) until the peer reads.
		t.cork.Expire(time.Now().Add(closeWriteWait))
		_ = t.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(closeWriteWait))
		dl := time.Now().Add(closeReadWait)
		t.closeDL.Store(dl.UnixNano())
		t.closing.Store(true)
		_ = t.raw.SetReadDeadline(dl)
		t.unpark()
	})
}

// unpark gives a parked connection a reader again (for a close: it waits
// for the peer's close frame or the deadline, then tears down).
func (t *wsTransport) unpark() {
	if t.rstate.CompareAndSwap(rParked, rActive) {
		t.startReader()
	}
}

// startReader runs the reader on a new goroutine; the caller owns the
// reading (rActive).
func (t *wsTransport) startReader() {
	if !t.sock.srv.addActive() {
		// Only when the server has nothing left to wait for, which a
		// tracked connection rules out; tear down rather than leak.
		t.finish()
		return
	}
	go t.readTracked() // a method value: no closure to allocate per wake-up
}

func (t *wsTransport) readTracked() {
	defer t.sock.srv.doneActive()
	t.sock.readLoop(t, true)
}

// resumeDeadline restores the close wait's deadline after the sweep or a
// park replaced it.
func (t *wsTransport) resumeDeadline() {
	if t.closing.Load() {
		_ = t.raw.SetReadDeadline(time.Unix(0, t.closeDL.Load()))
	}
}

// peek reports whether the connection has a byte (or EOF, or an error) to
// read without consuming it; false asks RawConn.Read to wait for the
// socket to become readable, after which the next call says yes without
// a system call (the reader's own read then finds the bytes, or blocks if
// the wake-up was spurious): a message costs the same two calls as a
// plain blocking read, the EAGAIN and the read.
func (t *wsTransport) peek(fd uintptr) bool {
	if t.waited {
		t.waited = false
		return true
	}
	for {
		errno := peekFD(fd)
		switch errno {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			t.waited = true
			return false
		case 0:
			t.peekErr = nil
		default:
			t.peekErr = errno
		}
		return true
	}
}

// waitReadable waits (on the reader goroutine) until the connection has
// something to read; true if instead the connection was parked and this
// goroutine must stop reading.
func (t *wsTransport) waitReadable() (parked bool, err error) {
	t.rstate.Store(rWaiting)
	t.waited, t.peekErr = false, nil
	err = t.rc.Read(t.peekFn)
	if err == nil {
		err = t.peekErr
	}
	if t.rstate.CompareAndSwap(rWaiting, rActive) {
		return false, err
	}
	// The sweep's past deadline ended the wait (or raced with bytes
	// arriving): let it finish, clear the deadline, park if still idle.
	for t.rstate.Load() != rKicked {
		runtime.Gosched()
	}
	t.rstate.Store(rActive)
	_ = t.raw.SetReadDeadline(time.Time{})
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.resumeDeadline()
		return false, err
	}
	return t.park(), nil
}

// park hands the idle connection to the server's poller; false if it
// cannot (closing, poller unavailable) and this goroutine goes on reading.
func (t *wsTransport) park() bool {
	if t.closing.Load() {
		t.resumeDeadline()
		return false
	}
	if t.ph == nil {
		p := t.sock.srv.poller()
		if p == nil {
			t.rc = nil // never again
			return false
		}
		h, err := p.Register(t.rc, t.wake)
		if err != nil {
			t.rc = nil
			return false
		}
		t.ph = h
	}
	t.rstate.Store(rParked)
	if err := t.ph.Arm(); err != nil {
		// The connection is closed or the poller is gone: read here and
		// see the error.
		return !t.rstate.CompareAndSwap(rParked, rActive)
	}
	// A close that found the reader still active is not missed: one of
	// the two sees the other's write and takes the connection back.
	if t.closing.Load() && t.rstate.CompareAndSwap(rParked, rActive) {
		t.resumeDeadline()
		return false
	}
	return true
}

// wake is the poller's callback: bytes, EOF or an error arrived.
func (t *wsTransport) wake() {
	if t.rstate.CompareAndSwap(rParked, rActive) {
		t.startReader()
	}
}

// kick ends a reader's idle wait so that it parks (the sweep); false if the
// reader was not waiting.
func (t *wsTransport) kick() bool {
	if t.closing.Load() || !t.rstate.CompareAndSwap(rWaiting, rKicking) {
		return false
	}
	_ = t.raw.SetReadDeadline(pastDeadline)
	t.rstate.Store(rKicked)
	return true
}

var pastDeadline = time.Unix(1, 0)

// finish tears the connection down once its reading has ended.
func (t *wsTransport) finish() {
	t.finishOne.Do(func() {
		if t.ph != nil {
			t.ph.Close()
		}
		_ = t.raw.Close()
		srv := t.sock.srv
		srv.trackConn(t.raw, false)
		if t.ended != nil {
			close(t.ended)
		}
	})
}

// serveWS runs on the hijacked connection of an upgrade request that passed
// verification: it completes the WebSocket handshake and then is the
// connection's reader. With parking (own: the connection outlives this
// goroutine) it returns once the connection is idle or has ended;
// otherwise it returns when the connection has ended.
func (s *Server) serveWS(raw net.Conn, info *wsRequest, own bool) {
	if !s.trackConn(raw, true) {
		_ = raw.Close()
		return
	}
	done := func() {
		_ = raw.Close()
		s.trackConn(raw, false)
	}
	cork := wsconn.NewConn(raw)
	// A handshake's 101 and open packet leave in one write (uncorked by
	// writeInline below); other requests uncork right after the 101.
	cork.Cork()
	conn, br, err := wsconn.Upgrade(&s.upgrader, cork, info.header, wsReadBufferSize)
	if info.sid != "" || info.transport != TransportWebSocket || err != nil {
		_ = cork.Uncork()
	}
	if err != nil {
		s.cfg.log.Debug("engineio: websocket handshake failed", "err", err)
		done()
		return
	}
	limit := s.cfg.maxBuffer - 1 // ws 1.1.2 rejects messages of maxPayload bytes and more
	if limit < 1 {
		limit = 1
	}
	conn.SetReadLimit(limit)
	conn.SetCompressionLevel(s.cfg.pmdLevel)
	conn.SetCloseHandler(func(code int, text string) error {
		// Answer a close frame as ws 1.1.2 does: echo code and reason,
		// and 1000 for a frame without a status.
		msg := websocket.FormatCloseMessage(code, text)
		if code == websocket.CloseNoStatusReceived {
			msg = websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		}
		_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeWriteWait))
		return nil
	})
	t := &wsTransport{conn: conn, cork: cork, raw: raw, br: br, b64: info.b64, threshold: s.cfg.pmdThreshold}
	if own && s.cfg.park && canPark {
		if sc, ok := raw.(syscall.Conn); ok {
			if rc, err := sc.SyscallConn(); err == nil {
				t.rc = rc
				t.peekFn = t.peek
				t.prevGap = math.MaxInt64 // no messages yet: park when idle
			}
		}
	}
	if t.rc == nil {
		t.ended = make(chan struct{})
	}

	if info.transport != TransportWebSocket {
		// transport=polling in an upgrade request: 101, then close.
		t.close()
		drainUntilClosed(conn)
		done()
		return
	}
	if info.sid != "" {
		sock := s.lookup(info.sid)
		t.sock = sock
		if sock == nil || !sock.tryUpgrade(t) {
			t.close()
			drainUntilClosed(conn)
			done()
			return
		}
		s.readFirst(t)
		return
	}

	sock := s.newSession(info.req)
	t.sock = sock
	sock.ws = t
	sock.enqueueLocked(s.openPacket(sock.id, false))
	if !s.register(sock) {
		_ = cork.Uncork()
		t.close()
		drainUntilClosed(conn)
		done()
		return
	}
	s.connected(sock)
	sock.writeInline()
	_ = cork.Uncork() // if a flusher took the queue or nothing was written
	s.readFirst(t)
}

// readFirst runs the connection's first reader on the calling goroutine;
// without parking it waits until the connection has ended (the caller's
// return closes it), even if the reading was handed off.
func (s *Server) readFirst(t *wsTransport) {
	if t.rc != nil {
		s.trackTransport(t)
	}
	t.sock.readLoop(t, false)
	if t.ended != nil {
		<-t.ended
	}
}

// HandOff lets a WebSocket session go on reading on a new goroutine while
// the current OnMessage call keeps running: for a handler that must wait
// for a later message of the same session (socket.io's EmitWithAck run on
// the reader). The caller's call stops counting as a delivery at once
// (OnBatchEnd runs for its unit; further messages, and OnClose, may run
// while it continues); its goroutine stops reading when it returns. False
// if no WebSocket delivery is in progress or the session is closed.
func (s *Socket) HandOff() bool {
	s.mu.Lock()
	t := s.ws
	if t == nil || s.state == stateClosed {
		s.mu.Unlock()
		return false
	}
	v := t.dstate.Load()
	next := (v>>1 + 1) << 1
	if v&1 == 0 || !t.dstate.CompareAndSwap(v, next) {
		s.mu.Unlock()
		return false
	}
	s.mu.Unlock()
	s.batchEnd()
	if !s.srv.goTracked(func() { s.readLoop(t, false) }) {
		t.dstate.CompareAndSwap(next, v) // the caller's delivery goes on
		return false
	}
	s.endDeliver()
	return true
}

// drainUntilClosed reads (and discards) until the peer closes or the close
// deadline passes.
func drainUntilClosed(conn *websocket.Conn) {
	for {
		if _, _, err := conn.NextReader(); err != nil {
			return
		}
	}
}

var readPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// readLoop reads messages until the connection ends (then it tears the
// connection down), the connection is parked, or a delivery handed the
// reading to another goroutine (HandOff). Before the transport is the
// session's (an upgrade in progress) packets drive the upgrade.
//
// woke says the poller (or a close) started this reader: bytes are
// expected, so it waits for them instead of parking at once.
func (s *Socket) readLoop(t *wsTransport, woke bool) {
	var err error
	for {
		if t.rc != nil && t.br.Buffered() == 0 {
			// Between messages with nothing buffered. A connection that
			// is not exchanging messages back to back parks at once (an
			// idle connection then has no goroutine); a busy one waits
			// here until the sweep finds it idle.
			if t.prevGap > parkAfter && !woke {
				if t.park() {
					return
				}
			} else {
				var parked bool
				if parked, err = t.waitReadable(); parked {
					return
				}
				if err != nil {
					break
				}
			}
		}
		var mt int
		var r io.Reader
		woke = false
		mt, r, err = t.conn.NextReader()
		if err != nil {
			break
		}
		now := s.srv.now() // the message's arrival, for parking and the heartbeat
		if t.rc != nil {
			t.prevGap = now - t.lastMsg.Swap(now)
		}
		bp := readPool.Get().(*[]byte)
		var data []byte
		data, err = readAll(r, (*bp)[:0], s.srv.cfg.maxBuffer)
		if err == nil && mt == websocket.TextMessage && !utf8.Valid(data) {
			err = errInvalidUTF8
			_ = t.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, ""), time.Now().Add(closeWriteWait))
		}
		if errors.Is(err, errTooBig) {
			_ = t.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseMessageTooBig, ""), time.Now().Add(closeWriteWait))
		}
		if err != nil {
			break
		}
		var p packet.Packet
		var perr error
		if mt == websocket.TextMessage {
			p, perr = packet.DecodeText(data)
		} else {
			p, perr = packet.DecodeBinary(data)
		}
		handed := s.onWSPacket(t, p, perr, now)
		if cap(data) <= 64<<10 {
			*bp = data[:0]
			readPool.Put(bp)
		}
		if handed {
			return
		}
	}
	s.onWSEnd(t, err)
	t.finish()
}

var (
	errInvalidUTF8 = errors.New("engineio: invalid UTF-8 in text frame")
	errTooBig      = errors.New("engineio: message of maxHttpBufferSize bytes or more")
)

// readAll reads a message into b. max bounds the (decompressed) size: the
// read limit set on the connection counts wire bytes, which a compressed
// message can multiply.
func readAll(r io.Reader, b []byte, max int64) ([]byte, error) {
	for {
		if int64(len(b)) >= max {
			return b, errTooBig
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// onWSPacket handles one received packet; true if the delivery handed the
// reading over (HandOff).
func (s *Socket) onWSPacket(t *wsTransport, p packet.Packet, perr error, now int64) bool {
	s.mu.Lock()
	if s.upg == t {
		s.upgradePacketLocked(t, p, perr)
		return false
	}
	cur := s.ws == t
	s.mu.Unlock()
	if !cur {
		return false
	}
	s.beginDeliver()
	v := t.dstate.Load() | 1 // only the reader holding dmu sets the bit
	t.dstate.Store(v)
	if perr != nil {
		s.parseError()
	} else {
		s.handlePacket(p, now)
	}
	if !t.dstate.CompareAndSwap(v, v&^1) {
		return true // HandOff ended this delivery
	}
	s.batchEnd()
	s.endDeliver()
	return false
}

// upgradePacketLocked drives an upgrade (engine.io socket.maybeUpgrade);
// it unlocks mu.
func (s *Socket) upgradePacketLocked(t *wsTransport, p packet.Packet, perr error) {
	switch {
	case perr == nil && p.Type == packet.Ping && string(p.Data) == "probe":
		s.mu.Unlock()
		if err := t.writeBatch([]outPacket{{p: packet.Packet{Type: packet.Pong, Data: []byte("probe")}}}); err != nil {
			return // the reader sees the broken connection next
		}
		s.mu.Lock()
		if s.upg == t && s.state != stateClosed {
			if s.noopTimer != nil {
				s.noopTimer.Stop()
			}
			s.noopTimer = time.AfterFunc(noopInterval, s.noopCheck)
		}
		s.mu.Unlock()
	case perr == nil && p.Type == packet.Upgrade && s.state != stateClosed:
		s.upg = nil
		stopTimer(s.upgradeTimer)
		stopTimer(s.noopTimer)
		if pt := s.poll; pt != nil && !pt.closed {
			pt.closed = true // discarded: later polling requests get "Bad request"
			pt.shouldClose = false
			stopTimer(s.closeTimer)
			if w := pt.get; w != nil {
				pt.get = nil
				w.assign(closePackets)
			}
		}
		s.ws = t
		s.lastRecv.Store(s.srv.now())
		if s.state == stateClosing && len(s.queue) == 0 {
			s.finishLocked(ReasonForcedClose)
		} else {
			s.flushLocked()
		}
		s.unlock()
	default:
		s.upg = nil
		stopTimer(s.upgradeTimer)
		stopTimer(s.noopTimer)
		s.mu.Unlock()
		t.close()
	}
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

// noopCheck runs every 100 ms after a probe: a parked GET gets a noop so the
// client's poll returns and it can finish the upgrade.
func (s *Socket) noopCheck() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.upg == nil || s.state == stateClosed {
		return
	}
	if p := s.poll; p != nil && s.ws == nil && p.get != nil && len(s.queue) == 0 {
		w := p.get
		p.get = nil
		w.assign(noopPackets)
	}
	s.noopTimer.Reset(noopInterval)
}

// tryUpgrade starts probing t as the session's new transport; false if the
// session is gone, upgrading or upgraded.
func (s *Socket) tryUpgrade(t *wsTransport) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateClosed || s.upg != nil || s.ws != nil {
		return false
	}
	s.upg = t
	s.upgradeTimer = time.AfterFunc(s.srv.cfg.upgradeTimeout, func() {
		s.mu.Lock()
		if s.upg != t {
			s.mu.Unlock()
			return
		}
		s.upg = nil
		stopTimer(s.noopTimer)
		s.mu.Unlock()
		t.close()
	})
	return true
}

// onWSEnd handles the end of a WebSocket connection.
func (s *Socket) onWSEnd(t *wsTransport, err error) {
	s.mu.Lock()
	switch {
	case s.upg == t:
		// The upgrade is abandoned; the session stays on polling.
		s.upg = nil
		stopTimer(s.upgradeTimer)
		stopTimer(s.noopTimer)
	case s.ws == t:
		s.finishLocked(wsCloseReason(err))
	}
	s.unlock()
}

// wsCloseReason maps a read error to engine.io's reason: the peer closing
// (close frame, EOF, reset) is "transport close", anything else (oversize
// message, protocol violation) "transport error".
func wsCloseReason(err error) string {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return ReasonTransportClose
	case errors.Is(err, websocket.ErrReadLimit), errors.Is(err, errInvalidUTF8), errors.Is(err, errTooBig):
		return ReasonTransportError
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return ReasonTransportClose // reset or timeout: the connection is gone
	}
	return ReasonTransportError
}
