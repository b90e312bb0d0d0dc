package socketio

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastsio/fastsio/engineio"
	parser "github.com/fastsio/fastsio/socketio-parser"
)

// engineConn is what a client needs from its engine.io session
// (*engineio.Socket in production, a fake in unit tests). The client's
// onMessage/onClose are wired to the session by the server.
type engineConn interface {
	ID() string
	Transport() string
	Send(msgs []engineio.Message, opts engineio.SendOptions) error
	Close()
}

type jobKind uint8

const (
	jobConnect     jobKind = iota // connect sock's namespace (nsp, query)
	jobEvent                      // EVENT/BINARY_EVENT for namespace name
	jobClientDisc                 // DISCONNECT from the client for namespace name
	jobErrorPacket                // ERROR packet from the client for namespace name
	jobAckCallback                // run ack with args
	jobFinish                     // finish closing sock (err: error event first)
	jobConnected                  // run the connection handlers of sock (admitted by start)
)

type job struct {
	kind  jobKind
	name  string // namespace of a client packet, looked up when the job runs
	sock  *Socket
	nsp   *Namespace
	query Query
	pkt   parser.Packet
	ack   AckCallback
	args  Args
	err   error
}

// client is 1.7.3's Client: one per engine.io session. The engine's
// reader goroutine calls onMessage/onClose; everything that runs user code
// (middlewares, handlers, ack callbacks, disconnect handlers) goes through
// the job queue and runs on one worker goroutine at a time, in order. The
// worker is started when jobs arrive and exits when the queue is empty, so
// an idle client costs no goroutine.
type client struct {
	srv  *Server
	conn engineConn        // conn.ID() is the session id
	req  *engineio.Request // handshake request; nil with fakes in unit tests
	dec  *parser.Decoder   // reader goroutine only; made by the first message

	// batchAware is set when the engine reports the end of each read batch
	// (a POST payload, a WebSocket message; engineio's OnBatchEnd): then
	// connecting is the set of namespaces whose CONNECT arrived in the
	// current batch, and their other packets in the same batch are
	// dropped, as 1.7.3 does (its CONNECT completes on the next tick).
	// Reader goroutine only.
	batchAware bool
	connecting map[string]bool

	mu         sync.Mutex
	space      sync.Cond // signalled when the queue shrinks or the client closes
	nsps       []*Socket // the connected socket of each namespace (few: a slice)
	all        []*Socket // registered sockets not yet finished, connection order
	connectBuf []string
	closed     bool   // engine session closed
	reason     string // its close reason
	detached   bool   // fatal decode error: packets are ignored
	finalized  bool
	queue      []job
	running    bool

	// batch holds the WebSocket writes of the job the worker runs (worker
	// only; created with the first job); jobBatch publishes it to the
	// goroutines that send while the job runs. The worker flushes it after
	// each job: emits made by one handler leave in one write per session,
	// the client's own written by the worker itself.
	batch    *engineio.Batch
	jobBatch atomic.Pointer[engineio.Batch]

	// es is the engine session (nil with a fake conn in unit tests).
	// inline is set (under mu) while an EVENT job runs on the engine's
	// reader goroutine instead of the worker (see enqueue).
	es     *engineio.Socket
	inline bool
}

// batchDelay bounds how long a job's batch holds writes when its handler
// blocks before returning.
const (
	batchDelay = time.Millisecond
	bcastDelay = 5 * time.Millisecond
)

// sendBatch is the batch for Sends made now: the running job's, or nil.
func (c *client) sendBatch() *engineio.Batch { return c.jobBatch.Load() }

// flushBatch writes what the running job's batch holds (before waiting for
// the client, as EmitWithAck does).
func (c *client) flushBatch() {
	if b := c.jobBatch.Load(); b != nil {
		b.Flush()
	}
}

func newClient(srv *Server, conn engineConn, req *engineio.Request) *client {
	c := &client{srv: srv, conn: conn, req: req}
	c.space.L = &c.mu
	c.es, _ = conn.(*engineio.Socket)
	return c
}

func (c *client) log() *slog.Logger { return c.srv.log }

// start connects the client to "/" (1.7.3 connects every client to the
// root namespace automatically).
func (c *client) start() {
	root := c.srv.root
	cfg := root.config()
	if c.es == nil || len(cfg.middlewares) > 0 || c.es.Transport() != engineio.TransportWebSocket {
		c.enqueueInternal(job{kind: jobConnect, nsp: root})
		return
	}
	// A WebSocket handshake, and no middleware can refuse or delay the
	// root namespace: admit the socket now, on the engine's handshake
	// goroutine, so that the CONNECT reply leaves in the same write as the
	// handshake (101 and open packet) instead of a write of its own. No
	// user code runs here; the connection handlers run on the worker as
	// usual, before anything the client sends.
	s := newSocket(root, c, nil)
	c.batch = engineio.NewBatch(c.es, batchDelay)
	c.jobBatch.Store(c.batch)
	ok := root.admit(c, s)
	c.jobBatch.Store(nil)
	c.batch.Flush()
	if ok {
		c.enqueueInternal(job{kind: jobConnected, sock: s, nsp: root})
	}
}

// onMessage decodes one engine.io message (engine reader goroutine).
func (c *client) onMessage(data []byte, binary bool) {
	c.mu.Lock()
	dead := c.detached || c.closed
	c.mu.Unlock()
	if dead {
		return
	}
	if !binary && len(data) == 0 {
		// engine.io gives socket.io `undefined` for a message without
		// data; its decoder throws: a fatal client error.
		c.clientError(fmt.Errorf("socketio: engine.io message without data"))
		return
	}
	if c.dec == nil {
		// Made on demand: an idle client (the server sends its "40") may
		// never send a packet.
		c.dec, _ = parser.NewDecoder(nil) // nil options cannot fail
	}
	p, ok, err := c.dec.Add(data, binary)
	if err != nil {
		if parser.IsFatal(err) {
			c.clientError(err)
		} else {
			c.log().Debug("socketio: undecodable packet dropped", "sid", c.conn.ID(), "err", err)
		}
		return
	}
	if ok {
		c.onPacket(&p)
	}
}

func (c *client) onPacket(p *parser.Packet) {
	if p.Type == parser.Connect {
		c.onConnectPacket(p.Namespace)
		return
	}
	if c.connecting[p.Namespace] {
		return // same batch as its CONNECT: 1.7.3 has no socket yet
	}
	switch p.Type {
	case parser.Ack, parser.BinaryAck:
		// Resolved here, not queued: a handler may be waiting for it.
		if s := c.current(p.Namespace); s != nil {
			s.onAck(p)
		}
	case parser.Event, parser.BinaryEvent:
		c.enqueue(job{kind: jobEvent, name: p.Namespace, pkt: *p})
	case parser.Disconnect:
		c.enqueue(job{kind: jobClientDisc, name: p.Namespace})
	case parser.Error:
		c.enqueue(job{kind: jobErrorPacket, name: p.Namespace, pkt: *p})
	}
}

func (c *client) onConnectPacket(raw string) {
	name, rawQuery := splitNamespace(raw)
	n := c.srv.namespace(name)
	if n == nil {
		// Sent at once, so it can overtake earlier CONNECT replies (1.7.3).
		p := parser.Packet{Type: parser.Error, Namespace: name, Data: invalidNamespaceJSON}
		_ = c.sendPacket(&p, engineio.SendOptions{})
		return
	}
	c.mu.Lock()
	if name != "/" && c.nspLocked("/") < 0 {
		// The root socket is not connected (yet): 1.7.3 buffers the name
		// and forgets the query. Bounded like the job queue.
		if len(c.connectBuf) < c.srv.opts.MaxPendingPackets {
			c.connectBuf = append(c.connectBuf, name)
		}
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	var q Query
	if rawQuery != "" {
		q = parseQuery(rawQuery)
	}
	if c.batchAware {
		if c.connecting == nil {
			c.connecting = make(map[string]bool)
		}
		c.connecting[name] = true
	}
	c.enqueue(job{kind: jobConnect, nsp: n, query: q})
}

// onBatchEnd is called by the engine after each read batch.
func (c *client) onBatchEnd() { clear(c.connecting) }

var invalidNamespaceJSON = []byte(`"Invalid namespace"`)

// clientError is 1.7.3's Client#onerror: every socket gets the error and
// closes with "client error"; the engine session stays open but the
// client ignores everything it sends from now on.
func (c *client) clientError(err error) {
	c.mu.Lock()
	if c.detached || c.closed {
		c.mu.Unlock()
		return
	}
	c.detached = true
	socks := slices.Clone(c.all)
	c.mu.Unlock()
	c.log().Debug("socketio: client error", "sid", c.conn.ID(), "err", err)
	cerr := &ClientError{Err: err}
	for _, s := range socks {
		if s.beginClose(ReasonClientError) {
			c.enqueueInternal(job{kind: jobFinish, sock: s, err: cerr})
		}
	}
}

// onClose is called once when the engine.io session closed.
func (c *client) onClose(reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.reason = reason
	socks := slices.Clone(c.all)
	// Client packets still waiting for the handlers are dropped: nothing
	// can be answered any more, and a backlog (slow handlers, a client
	// that floods and vanishes) must not delay the cleanup. Internal jobs
	// (closing sockets, ack callbacks) stay.
	c.queue = slices.DeleteFunc(c.queue, func(j job) bool {
		switch j.kind {
		case jobEvent, jobClientDisc, jobErrorPacket, jobConnect:
			return true
		}
		return false
	})
	c.space.Broadcast()
	c.kickLocked()
	c.mu.Unlock()
	// The sockets leave their namespaces and rooms' reach at once; their
	// disconnect handlers run on the worker (finalize).
	for _, s := range socks {
		s.beginClose(reason)
	}
}

// disconnectAll is Socket.Disconnect(true): DISCONNECT every namespace,
// then close the engine session.
func (c *client) disconnectAll() {
	c.mu.Lock()
	socks := slices.Clone(c.all)
	c.mu.Unlock()
	for _, s := range socks {
		if !s.beginClose(ReasonServerNamespaceDisconnect) {
			continue
		}
		p := parser.Packet{Type: parser.Disconnect, Namespace: s.nsp.name}
		_ = c.sendPacket(&p, engineio.SendOptions{})
		c.enqueueInternal(job{kind: jobFinish, sock: s})
	}
	c.conn.Close()
}

// register records a connected socket; it returns the connect buffer to
// replay when s is the root socket, and false if the client is gone.
func (c *client) register(s *Socket) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.detached {
		return nil, false
	}
	if i := c.nspLocked(s.nsp.name); i >= 0 {
		c.nsps[i] = s
	} else {
		c.nsps = append(c.nsps, s)
	}
	c.all = append(c.all, s)
	if s.nsp.name != "/" {
		return nil, true
	}
	buf := c.connectBuf
	c.connectBuf = nil
	return buf, true
}

func (c *client) current(name string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := c.nspLocked(name); i >= 0 {
		return c.nsps[i]
	}
	return nil
}

// nspLocked returns the index in nsps of namespace name's socket, or -1.
func (c *client) nspLocked(name string) int {
	for i, s := range c.nsps {
		if s.nsp.name == name {
			return i
		}
	}
	return -1
}

func (c *client) gone() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed || c.detached
}

func (c *client) removeSocket(s *Socket) {
	c.mu.Lock()
	if i := c.nspLocked(s.nsp.name); i >= 0 && c.nsps[i] == s {
		c.nsps = slices.Delete(c.nsps, i, i+1)
	}
	c.mu.Unlock()
}

func (c *client) forget(s *Socket) {
	c.mu.Lock()
	if i := slices.Index(c.all, s); i >= 0 {
		c.all = slices.Delete(c.all, i, i+1)
	}
	c.mu.Unlock()
}

// sendPacket encodes p and writes it to the engine session.
func (c *client) sendPacket(p *parser.Packet, opts engineio.SendOptions) error {
	opts.Batch = c.sendBatch()
	return c.conn.Send(packetMessages(p), opts)
}

// sendError sends the ERROR packet for a middleware error on nsp.
func (c *client) sendError(nsp string, err error) {
	v, _ := errorPayload(err)
	p, perr := parser.NewError(nsp, v)
	if perr != nil {
		c.log().Warn("socketio: middleware error data not encodable", "err", perr)
		p, _ = parser.NewError(nsp, err.Error())
	}
	_ = c.sendPacket(&p, engineio.SendOptions{})
}

// packetMessages turns a packet into its engine.io messages: the text
// header, then each attachment as a binary message.
func packetMessages(p *parser.Packet) []engineio.Message {
	hdr := parser.AppendPacket(make([]byte, 0, 16+len(p.Namespace)+len(p.Data)), p)
	msgs := make([]engineio.Message, 1+len(p.Attachments))
	msgs[0] = engineio.Message{Data: hdr}
	for i, a := range p.Attachments {
		msgs[i+1] = engineio.Message{Data: a, Binary: true}
	}
	return msgs
}

// enqueue queues a job from the reader, waiting while the queue is full
// (backpressure on the client's transport).
func (c *client) enqueue(j job) {
	c.mu.Lock()
	for len(c.queue) >= c.srv.opts.MaxPendingPackets && !c.closed && !c.detached {
		c.space.Wait()
	}
	if c.closed || c.detached {
		c.mu.Unlock()
		return
	}
	if c.srv.opts.InlineHandlers && j.kind == jobEvent && !c.running && len(c.queue) == 0 && c.es != nil &&
		c.es.Transport() == engineio.TransportWebSocket {
		// Nothing runs or waits: run the event here, on the reader,
		// instead of starting a worker goroutine for it.
		c.running, c.inline = true, true
		c.mu.Unlock()
		c.runJob(&j)
		c.mu.Lock()
		c.inline = false
		if len(c.queue) > 0 || (c.closed && !c.finalized) {
			// Jobs queued meanwhile (or the close) go to a worker.
			c.srv.workers.add()
			c.srv.runners.start(c)
		} else {
			c.running = false
		}
		c.mu.Unlock()
		return
	}
	c.queue = append(c.queue, j)
	c.kickLocked()
	c.mu.Unlock()
}

// releaseReader is called before a handler waits for the client
// (EmitWithAck): if its job runs on the engine's reader, the reading moves
// to a new goroutine (engineio's HandOff) so the answer can arrive.
func (c *client) releaseReader() {
	c.mu.Lock()
	inl := c.inline
	c.mu.Unlock()
	if inl && c.es.HandOff() {
		c.mu.Lock()
		c.inline = false
		c.mu.Unlock()
	}
}

// enqueueInternal queues a job that must run even when the queue is full
// or the session closed (closing sockets, ack callbacks). Never blocks.
func (c *client) enqueueInternal(j job) {
	c.mu.Lock()
	if c.finalized {
		c.mu.Unlock()
		return // finalize already handled every socket
	}
	c.queue = append(c.queue, j)
	c.kickLocked()
	c.mu.Unlock()
}

func (c *client) kickLocked() {
	if c.running {
		return
	}
	c.running = true
	c.srv.workers.add()
	c.srv.runners.start(c)
}

// work runs queued jobs in order, then finalizes a closed client.
func (c *client) work() {
	defer c.srv.workers.done()
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			if c.closed && !c.finalized {
				c.finalized = true
				socks := slices.Clone(c.all)
				reason := c.reason
				c.mu.Unlock()
				c.finalize(socks, reason)
				continue
			}
			c.running = false
			c.queue = nil
			c.mu.Unlock()
			return
		}
		j := c.queue[0]
		c.queue[0] = job{}
		c.queue = c.queue[1:]
		c.space.Signal()
		c.mu.Unlock()
		c.runJob(&j)
	}
}

// runJob runs one job (on the worker, or inline on the reader) with the
// job's batch: its writes leave when it ends.
func (c *client) runJob(j *job) {
	if c.batch == nil {
		c.batch = engineio.NewBatch(c.es, batchDelay)
	}
	c.jobBatch.Store(c.batch)
	c.srv.jobs.Add(1)
	c.run(j)
	c.srv.jobs.Add(-1)
	c.jobBatch.Store(nil)
	c.srv.bcast.Flush()
	c.batch.Flush()
}

func (c *client) finalize(socks []*Socket, reason string) {
	for _, s := range socks {
		s.beginClose(reason)
		c.safely(s.finishClose)
	}
}

func (c *client) run(j *job) {
	switch j.kind {
	case jobConnect:
		c.safely(func() { j.nsp.add(c, j.query) })
	case jobConnected:
		cfg := j.nsp.config()
		c.safely(func() { j.nsp.connected(j.sock, cfg) })
	case jobEvent, jobClientDisc, jobErrorPacket:
		// The socket is looked up now, so that packets queued behind a
		// CONNECT of their namespace find it; unknown or not (yet)
		// connected namespaces drop the packet, as 1.7.3 does.
		s := c.current(j.name)
		if s == nil {
			return
		}
		switch j.kind {
		case jobEvent:
			c.safely(func() { s.dispatch(&j.pkt) })
		case jobClientDisc:
			if s.beginClose(ReasonClientNamespaceDisconnect) {
				c.safely(s.finishClose)
			}
		default:
			c.safely(func() { s.emitError(&ClientError{Data: j.pkt.Data}) })
		}
	case jobAckCallback:
		c.safely(func() { j.ack(j.args) })
	case jobFinish:
		if j.err != nil {
			c.safely(func() { j.sock.emitError(j.err) })
		}
		c.safely(j.sock.finishClose)
	}
}

// safely runs user code; a panic is logged instead of killing the server.
func (c *client) safely(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			c.log().Error("socketio: panic in handler", "sid", c.conn.ID(), "panic", r, "stack", string(debug.Stack()))
		}
	}()
	fn()
}

// closeReason is the reason for sockets that appear after the client died.
func (c *client) closeReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.reason
	}
	return ReasonClientError
}
