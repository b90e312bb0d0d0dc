package engineio

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/fasthttp/websocket"

	"github.com/fastsio/fastsio/engineio/internal/wsconn"
	"github.com/fastsio/fastsio/engineio/packet"
)

const (
	wsReadBufferSize  = 1024
	wsWriteBufferSize = 4096
	// closeWriteWait bounds writing a close frame; closeReadWait is how
	// long the reader waits for the peer's close frame after ours.
	closeWriteWait = time.Second
	closeReadWait  = 2 * time.Second
)

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
// owning Socket's mu; the gorilla Conn is written by one goroutine at a time
// (the flusher, or the reader before the transport is the session's).
type wsTransport struct {
	conn      *websocket.Conn
	cork      *wsconn.Conn
	raw       net.Conn
	b64       bool
	threshold int
	flushing  bool
	// dstate is gen<<1 | delivering: the reader sets bit 0 while it hands
	// a message to OnMessage and clears it with a CAS; HandOff takes it
	// with a CAS that also counts gen up, so exactly one of them ends the
	// delivery. readDone (under the Socket's mu) is made by the first
	// HandOff and closed by the last reader when the connection ends.
	dstate    atomic.Uint64
	readDone  chan struct{}
	closeOnce sync.Once
	hard      atomic.Bool // close without a close frame (shutdown past its deadline)
}

// close sends a normal close frame (1000) and gives the peer closeReadWait
// to answer before the reader gives up; the reader closes the connection.
func (t *wsTransport) close() {
	t.closeOnce.Do(func() {
		if t.hard.Load() {
			_ = t.raw.Close()
			return
		}
		// The session is over: a writer blocked on a peer that does not
		// read gives up too, instead of holding its goroutine (and, for a
		// Batch flushed inline, the caller's) until the peer reads.
		t.cork.Expire(time.Now().Add(closeWriteWait))
		_ = t.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(closeWriteWait))
		_ = t.raw.SetReadDeadline(time.Now().Add(closeReadWait))
	})
}

// serveWS runs on the hijacked connection of an upgrade request that passed
// verification: it completes the WebSocket handshake and then is the
// connection's reader until it closes.
func (s *Server) serveWS(raw net.Conn, info *wsRequest) {
	defer raw.Close()
	if !s.trackConn(raw, true) {
		return
	}
	defer s.trackConn(raw, false)
	cork := wsconn.NewConn(raw)
	// A handshake's 101 and open packet leave in one write (uncorked by
	// writeInline below); other requests uncork right after the 101.
	cork.Cork()
	conn, err := wsconn.Upgrade(&s.upgrader, cork, info.header)
	if info.sid != "" || info.transport != TransportWebSocket || err != nil {
		_ = cork.Uncork()
	}
	if err != nil {
		s.cfg.log.Debug("engineio: websocket handshake failed", "err", err)
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
	t := &wsTransport{conn: conn, cork: cork, raw: raw, b64: info.b64, threshold: s.cfg.pmdThreshold}

	if info.transport != TransportWebSocket {
		// transport=polling in an upgrade request: 101, then close.
		t.close()
		drainUntilClosed(conn)
		return
	}
	if info.sid != "" {
		sock := s.lookup(info.sid)
		if sock == nil || !sock.tryUpgrade(t) {
			t.close()
			drainUntilClosed(conn)
			return
		}
		sock.readAndWait(t)
		return
	}

	sock := s.newSession(info.req)
	sock.ws = t
	sock.enqueueLocked(s.openPacket(sock.id, false))
	if !s.register(sock) {
		_ = cork.Uncork()
		t.close()
		drainUntilClosed(conn)
		return
	}
	s.connected(sock)
	sock.writeInline()
	_ = cork.Uncork() // if a flusher took the queue or nothing was written
	sock.readAndWait(t)
}

// readAndWait reads on the connection's goroutine; if the reading was
// handed off (HandOff), it waits for the last reader, since the
// connection is closed when this goroutine returns.
func (s *Socket) readAndWait(t *wsTransport) {
	if !s.readLoop(t) {
		return
	}
	s.mu.Lock()
	ch := t.readDone
	s.mu.Unlock()
	<-ch
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
	if t.readDone == nil {
		t.readDone = make(chan struct{})
	}
	s.mu.Unlock()
	s.batchEnd()
	if !s.srv.goTracked(func() {
		if !s.readLoop(t) {
			s.mu.Lock()
			ch := t.readDone
			s.mu.Unlock()
			close(ch)
		}
	}) {
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

// readLoop reads messages until the connection ends, or returns true once
// a delivery handed the reading to another goroutine (HandOff). Before the
// transport is the session's (an upgrade in progress) packets drive the
// upgrade.
func (s *Socket) readLoop(t *wsTransport) bool {
	var err error
	for {
		var mt int
		var r io.Reader
		mt, r, err = t.conn.NextReader()
		if err != nil {
			break
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
		handed := s.onWSPacket(t, p, perr)
		if cap(data) <= 64<<10 {
			*bp = data[:0]
			readPool.Put(bp)
		}
		if handed {
			return true
		}
	}
	s.onWSEnd(t, err)
	return false
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
func (s *Socket) onWSPacket(t *wsTransport, p packet.Packet, perr error) bool {
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
		s.handlePacket(p)
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
