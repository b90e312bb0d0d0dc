package socketio

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/fastsio/fastsio/engineio"
	parser "github.com/fastsio/fastsio/socketio-parser"
)

// Middleware guards a namespace (1.7.3 nsp.use): middlewares run in order
// when a client connects to the namespace; the first non-nil error rejects
// the connection with an ERROR packet (see MiddlewareError) and the client
// stays connected to its other namespaces. They run on the client's
// handler goroutine and may block (e.g. an auth lookup), delaying that
// client's later packets.
type Middleware func(s *Socket) error

// Namespace is a named channel ("/", "/chat") with its own middlewares,
// handlers, sockets, rooms (adapter) and ack-id counter. Safe for
// concurrent use; register middlewares and handlers before clients
// connect (later registrations apply to later connections/events).
type Namespace struct {
	srv     *Server
	name    string
	adapter Adapter
	ackIDs  atomic.Uint64 // 1.7.3 nsp.ids: shared by all sockets, from 0

	mu      sync.RWMutex
	sockets map[string]*Socket // connected sockets by id

	cfgMu sync.Mutex
	cfg   atomic.Pointer[nspConfig] // copy-on-write
}

type nspConfig struct {
	middlewares []Middleware
	onConnect   []func(*Socket)
	handlers    map[string]EventHandler
}

func newNamespace(srv *Server, name string) *Namespace {
	n := &Namespace{srv: srv, name: name, sockets: make(map[string]*Socket)}
	n.cfg.Store(&nspConfig{})
	n.adapter = srv.opts.Adapter(n)
	return n
}

// Name returns the namespace name, e.g. "/chat".
func (n *Namespace) Name() string { return n.name }

// Adapter returns the namespace's room adapter.
func (n *Namespace) Adapter() Adapter { return n.adapter }

func (n *Namespace) config() *nspConfig { return n.cfg.Load() }

func (n *Namespace) update(fn func(c *nspConfig)) {
	n.cfgMu.Lock()
	defer n.cfgMu.Unlock()
	old := n.cfg.Load()
	c := &nspConfig{
		middlewares: slices.Clone(old.middlewares),
		onConnect:   slices.Clone(old.onConnect),
		handlers:    maps.Clone(old.handlers),
	}
	fn(c)
	n.cfg.Store(c)
}

// Use adds a connection middleware.
func (n *Namespace) Use(mw Middleware) {
	n.update(func(c *nspConfig) { c.middlewares = append(c.middlewares, mw) })
}

// OnConnection registers fn to run for every socket that connected (1.7.3
// `connection`), after the CONNECT reply was sent. Several may be set.
func (n *Namespace) OnConnection(fn func(s *Socket)) {
	n.update(func(c *nspConfig) { c.onConnect = append(c.onConnect, fn) })
}

// On registers the handler for a client event for every socket of the
// namespace (a Socket.On for the same name takes precedence). nil removes it.
func (n *Namespace) On(event string, h EventHandler) {
	n.update(func(c *nspConfig) {
		if h == nil {
			delete(c.handlers, event)
			return
		}
		if c.handlers == nil {
			c.handlers = make(map[string]EventHandler)
		}
		c.handlers[event] = h
	})
}

// Socket returns the connected socket with the given id, or nil.
func (n *Namespace) Socket(id string) *Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.sockets[id]
}

// Len returns the number of connected sockets.
func (n *Namespace) Len() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return len(n.sockets)
}

// Sockets returns the connected sockets (in no particular order).
func (n *Namespace) Sockets() []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return slices.Collect(maps.Values(n.sockets))
}

func (n *Namespace) all() BroadcastOperator { return BroadcastOperator{nsp: n} }

// Emit sends an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error { return n.all().Emit(event, args...) }

// To selects rooms for a broadcast (1.7.3 nsp.to/in).
func (n *Namespace) To(rooms ...string) BroadcastOperator { return n.all().To(rooms...) }

// In is an alias of To.
func (n *Namespace) In(rooms ...string) BroadcastOperator { return n.all().To(rooms...) }

// Except returns a broadcast excluding the given socket id.
func (n *Namespace) Except(id string) BroadcastOperator { return n.all().Except(id) }

// Volatile returns a volatile broadcast to the namespace.
func (n *Namespace) Volatile() BroadcastOperator { return n.all().Volatile() }

// Compress returns a broadcast with compression on or off.
func (n *Namespace) Compress(on bool) BroadcastOperator { return n.all().Compress(on) }

// Local returns a broadcast that a cluster adapter must not forward to
// other nodes (1.7.3 nsp.local).
func (n *Namespace) Local() BroadcastOperator { return n.all().Local() }

// Clients lists the ids of the namespace's connected sockets, in the order
// they first joined a room.
func (n *Namespace) Clients(ctx context.Context) ([]string, error) { return n.all().Clients(ctx) }

// add is 1.7.3's Namespace#add + Socket#onconnect, on the client's handler
// goroutine.
func (n *Namespace) add(c *client, query Query) {
	s := newSocket(n, c, query)
	cfg := n.config()
	var err error
	for _, mw := range cfg.middlewares {
		if err = mw(s); err != nil {
			break
		}
	}
	if c.gone() {
		return // 1.7.3: the engine session closed meanwhile: drop silently
	}
	if err != nil {
		c.sendError(n.name, err)
		return
	}
	if n.admit(c, s) {
		n.connected(s, cfg)
	}
}

// admit makes s a connected member of n and sends the CONNECT reply; false
// if the client went away meanwhile. It runs no user code.
func (n *Namespace) admit(c *client, s *Socket) bool {
	// A second CONNECT for the same namespace replaces the first socket
	// (1.7.3 orphans it; here it is closed so that nothing leaks).
	if old := c.current(n.name); old != nil && old.beginClose(ReasonClientNamespaceDisconnect) {
		old.finishClose()
	}
	s.mu.Lock()
	if s.state == stateClosed {
		// Disconnect was called during the middlewares: never connect.
		s.mu.Unlock()
		return false
	}
	s.state = stateConnected
	s.mu.Unlock()
	n.mu.Lock()
	n.sockets[s.id] = s
	n.mu.Unlock()
	if jerr := s.Join(s.id); jerr != nil {
		c.log().Warn("socketio: adapter failed to add socket to its own room", "socket", s.id, "err", jerr)
	}
	// Registered before the CONNECT reply goes out, so that the client's
	// next packets find the socket (they queue behind this job).
	buf, ok := c.register(s)
	if !ok {
		// Closed between the check above and now: finalize will not see s.
		if s.beginClose(c.closeReason()) {
			s.finishClose()
		}
		return false
	}
	p := parser.Packet{Type: parser.Connect, Namespace: n.name}
	_ = c.sendPacket(&p, engineio.SendOptions{})
	for _, name := range buf {
		if bn := n.srv.namespace(name); bn != nil {
			c.enqueueInternal(job{kind: jobConnect, nsp: bn})
		}
	}
	return true
}

// connected runs the connection handlers of an admitted socket.
func (n *Namespace) connected(s *Socket, cfg *nspConfig) {
	for _, fn := range cfg.onConnect {
		fn(s)
	}
}

func (n *Namespace) removeSocket(s *Socket) {
	n.mu.Lock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	n.mu.Unlock()
}

// lookup appends the connected sockets among ids to dst.
func (n *Namespace) lookup(ids []string, dst []*Socket) []*Socket {
	n.mu.RLock()
	for _, id := range ids {
		if s := n.sockets[id]; s != nil {
			dst = append(dst, s)
		}
	}
	n.mu.RUnlock()
	return dst
}
