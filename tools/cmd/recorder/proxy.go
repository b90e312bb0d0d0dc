package main

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// proxyConfig holds the options shared by every proxied connection.
type proxyConfig struct {
	target          string
	rec             *recorder
	maxBody         int64
	stripExtensions bool // drop Sec-WebSocket-Extensions from upgrade requests
	dialTimeout     time.Duration
	log             *slog.Logger
}

// reqInfo is what the response reader needs to know about a request.
type reqInfo struct {
	req     int
	method  string
	upgrade bool
}

// upgradeResult tells the request reader how an upgrade request ended.
type upgradeResult struct {
	switched bool
	deflate  deflateParams
}

// session proxies one client TCP connection.
type session struct {
	cfg    *proxyConfig
	id     int
	client net.Conn
	server net.Conn

	mu      sync.Mutex
	pending []reqInfo // requests forwarded and not yet answered, FIFO
	closed  bool      // a tcp_close was recorded

	upgrade chan upgradeResult
}

func (s *session) push(r reqInfo) {
	s.mu.Lock()
	s.pending = append(s.pending, r)
	s.mu.Unlock()
}

// pop returns the oldest unanswered request; ok is false for a response
// nobody asked for (e.g. a server's own 408/400 before any request).
func (s *session) pop() (reqInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return reqInfo{req: -1}, false
	}
	r := s.pending[0]
	s.pending = s.pending[1:]
	return r, true
}

// peerClosed records the first side to end its half of the connection.
func (s *session) peerClosed(by string) {
	s.mu.Lock()
	first := !s.closed
	s.closed = true
	s.mu.Unlock()
	if first {
		s.cfg.rec.tcpClose(s.id, by)
	}
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}

// run proxies until both directions have ended.
func (s *session) run() {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.clientToServer() }()
	go func() { defer wg.Done(); s.serverToClient() }()
	wg.Wait()
	_ = s.client.Close()
	_ = s.server.Close()
}

// endDirection finishes one direction after a read error or EOF: a parse
// error is logged and the rest of the stream is forwarded blindly.
// The bytes of a message that failed to parse were already consumed and are
// not forwarded; the recorder is for well-formed traffic.
func (s *session) endDirection(err error, to net.Conn, br *bufio.Reader, by string) {
	if err != nil && !errors.Is(err, io.EOF) && !isClosedErr(err) {
		s.cfg.log.Warn("recorder: stopped parsing", "conn", s.id, "from", by, "err", err)
		if errors.Is(err, errMalformed) || errors.Is(err, errWebSocket) {
			_, _ = io.Copy(to, br)
		}
	}
	s.peerClosed(by)
	closeWrite(to)
}

func isClosedErr(err error) bool {
	return errors.Is(err, net.ErrClosed)
}

func (s *session) clientToServer() {
	br := bufio.NewReaderSize(s.client, 64<<10)
	rec := s.cfg.rec
	for {
		m, err := readRequest(br, s.cfg.maxBody)
		if err != nil {
			s.endDirection(err, s.server, br, "client")
			return
		}
		up := m.isUpgradeRequest()
		if up && s.cfg.stripExtensions && m.removeHeader("Sec-WebSocket-Extensions") {
			rebuildRequest(m)
		}
		id := rec.newReq()
		s.push(reqInfo{req: id, method: m.method, upgrade: up})
		rec.httpRequest(s.id, id, m)
		if _, err := s.server.Write(m.raw); err != nil {
			s.endDirection(err, s.server, br, "server")
			return
		}
		if !up {
			continue
		}
		res, ok := <-s.upgrade
		if !ok {
			// the server side ended before answering
			closeWrite(s.server)
			return
		}
		if res.switched {
			s.relayWebSocket(br, s.server, "c2s", "client", res.deflate.enabled, res.deflate.clientNoContextTakeover)
			return
		}
	}
}

func (s *session) serverToClient() {
	br := bufio.NewReaderSize(s.server, 64<<10)
	rec := s.cfg.rec
	defer close(s.upgrade)
	for {
		m, err := readResponseHead(br)
		if err != nil {
			s.endDirection(err, s.client, br, "server")
			return
		}
		var info reqInfo
		if m.status >= 100 && m.status < 200 && m.status != 101 {
			// interim response: the request is still waiting for its final one
			s.mu.Lock()
			if len(s.pending) > 0 {
				info = s.pending[0]
			} else {
				info = reqInfo{req: -1}
			}
			s.mu.Unlock()
		} else {
			info, _ = s.pop()
		}
		if err := readResponseBody(br, m, info.method, s.cfg.maxBody); err != nil {
			s.endDirection(err, s.client, br, "server")
			return
		}
		switched := info.upgrade && m.status == 101
		var dp deflateParams
		if switched {
			dp = parseDeflate(m)
		}
		rec.httpResponse(s.id, info.req, m)
		if info.upgrade && (m.status >= 200 || switched) {
			s.upgrade <- upgradeResult{switched: switched, deflate: dp}
		}
		if _, err := s.client.Write(m.raw); err != nil {
			s.endDirection(err, s.client, br, "client")
			return
		}
		if switched {
			s.relayWebSocket(br, s.client, "s2c", "server", dp.enabled, dp.serverNoContextTakeover)
			return
		}
	}
}

// relayWebSocket forwards frames from -> to, recording each complete message.
func (s *session) relayWebSocket(br *bufio.Reader, to net.Conn, dir, by string, deflate, noContext bool) {
	a := &wsAssembler{maxMessage: s.cfg.maxBody}
	if deflate {
		a.inflater = &inflater{noContextTakeover: noContext}
	}
	for {
		f, err := readFrame(br, s.cfg.maxBody)
		if err != nil {
			s.endDirection(err, to, br, by)
			return
		}
		msg, err := a.add(f)
		if err != nil {
			// record nothing more for this direction but keep the bytes flowing
			s.cfg.log.Warn("recorder: websocket", "conn", s.id, "dir", dir, "err", err)
			if _, err := to.Write(f.raw); err == nil {
				_, _ = io.Copy(to, br)
			}
			s.peerClosed(by)
			closeWrite(to)
			return
		}
		if msg != nil {
			s.cfg.rec.wsFrame(s.id, dir, msg)
		}
		if _, err := to.Write(f.raw); err != nil {
			s.endDirection(err, to, br, otherSide(by))
			return
		}
	}
}

func otherSide(by string) string {
	if by == "client" {
		return "server"
	}
	return "client"
}
