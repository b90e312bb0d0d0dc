package socketio

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastsio/fastsio/engineio"
	parser "github.com/fastsio/fastsio/socketio-parser"
)

// Disconnect reasons passed to OnDisconnecting/OnDisconnect handlers, as
// 1.7.3 reports them. Engine-level reasons ("transport close", "ping
// timeout", "transport error", "parse error", "forced close") come from
// engineio unchanged.
const (
	ReasonTransportClose            = "transport close"
	ReasonPingTimeout               = "ping timeout"
	ReasonTransportError            = "transport error"
	ReasonParseError                = "parse error"
	ReasonForcedClose               = "forced close"
	ReasonClientNamespaceDisconnect = "client namespace disconnect"
	ReasonServerNamespaceDisconnect = "server namespace disconnect"
	ReasonClientError               = "client error"
	// ReasonServerClose is what root-namespace sockets get when the server
	// closes. 1.7.3 passes `undefined`; the Go stand-in is "".
	ReasonServerClose = ""
)

// EventHandler handles one client event. args are the event arguments
// (without the name). ack is non-nil when the client asked for an
// acknowledgement; only its first call sends.
type EventHandler func(s *Socket, args Args, ack AckFunc)

// AckFunc answers a client's ack request with args ([]byte anywhere makes
// it a BINARY_ACK). Only the first call sends; later calls return nil and
// do nothing. It returns ErrDisconnected after the socket closed.
type AckFunc func(args ...any) error

// AckCallback receives the arguments of the client's answer to a server
// emit. Pass one as the LAST argument of Socket.Emit to request an ack.
type AckCallback = func(args Args)

// Event is what a PacketMiddleware sees: the name and arguments of a
// received event. A middleware may change both; the handler of the
// (possibly new) name then runs.
type Event struct {
	Name string
	Args Args
}

// PacketMiddleware runs for every event a socket receives, before the
// handler (1.7.3 socket.use). A non-nil error stops the event and sends an
// ERROR packet on the namespace (see MiddlewareError for its content).
type PacketMiddleware func(s *Socket, ev *Event) error

type socketState uint8

const (
	stateConnecting socketState = iota
	stateConnected
	stateClosed
)

type ackEntry struct {
	fn AckCallback // run on the client's handler goroutine
	ch chan Args   // EmitWithAck: buffered(1), filled on the reader goroutine
}

// Socket is one client's connection to one namespace. All methods are
// safe for concurrent use.
type Socket struct {
	id     string
	nsp    *Namespace
	client *client

	// The handshake is built on first use from the client's request and
	// the creation time (see newHandshake), or at once when the CONNECT
	// packet had a query.
	hs      atomic.Pointer[Handshake]
	created int64 // UnixNano

	mu          sync.Mutex
	state       socketState
	abandoned   bool // the socket or its connection closed
	finished    bool
	gone        chan struct{} // made on demand (goneChan), closed when abandoned
	closeReason string
	rooms       []string
	acks        map[uint64]ackEntry
	handlers    map[string]EventHandler
	uses        []PacketMiddleware
	onDiscing   []func(*Socket, string)
	onDisc      []func(*Socket, string)
	onErr       []func(*Socket, error)
	data        any
}

func newSocket(n *Namespace, c *client, query Query) *Socket {
	id := c.conn.ID()
	if n.name != "/" {
		id = n.name + "#" + id
	}
	s := &Socket{id: id, nsp: n, client: c, created: time.Now().UnixNano()}
	if len(query) > 0 {
		s.hs.Store(newHandshake(c.req, time.Unix(0, s.created), query))
	}
	return s
}

// ID is the socket id: the engine.io session id on "/", "<nsp>#<sid>" on
// other namespaces (1.7.3).
func (s *Socket) ID() string { return s.id }

// SessionID is the engine.io session id shared by all namespaces of the
// client (what socket.io-client 1.7.3 shows as its socket.id).
func (s *Socket) SessionID() string { return s.client.conn.ID() }

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake returns the handshake data (read-only; every call returns the
// same value).
func (s *Socket) Handshake() *Handshake {
	if h := s.hs.Load(); h != nil {
		return h
	}
	h := newHandshake(s.client.req, time.Unix(0, s.created), nil)
	if !s.hs.CompareAndSwap(nil, h) {
		h = s.hs.Load()
	}
	return h
}

// Transport returns the engine.io transport in use ("polling"/"websocket").
func (s *Socket) Transport() string { return s.client.conn.Transport() }

// Connected reports whether the socket is connected to its namespace.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateConnected
}

// SetData stores an application value on the socket (e.g. the user a
// middleware authenticated); Data returns it.
func (s *Socket) SetData(v any) {
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
}

// Data returns the value stored with SetData.
func (s *Socket) Data() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}

// On registers the handler for a client event on this socket; it takes
// precedence over Namespace.On for the same name. Registering nil removes it.
func (s *Socket) On(event string, h EventHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h == nil {
		delete(s.handlers, event)
		return
	}
	if s.handlers == nil {
		s.handlers = make(map[string]EventHandler)
	}
	s.handlers[event] = h
}

// Use adds a packet middleware (1.7.3 socket.use); they run in order.
func (s *Socket) Use(mw PacketMiddleware) {
	s.mu.Lock()
	s.uses = append(s.uses, mw)
	s.mu.Unlock()
}

// OnDisconnecting registers fn to run when the socket starts closing,
// while it is still in its rooms (1.7.3 `disconnecting`).
func (s *Socket) OnDisconnecting(fn func(s *Socket, reason string)) {
	s.mu.Lock()
	s.onDiscing = append(s.onDiscing, fn)
	s.mu.Unlock()
}

// OnDisconnect registers fn to run after the socket closed and left its
// rooms (1.7.3 `disconnect`). Reasons: the Reason constants.
func (s *Socket) OnDisconnect(fn func(s *Socket, reason string)) {
	s.mu.Lock()
	s.onDisc = append(s.onDisc, fn)
	s.mu.Unlock()
}

// OnError registers fn for a *ClientError: an ERROR packet from the client,
// or a fatal decoding error that closes the client's sockets (1.7.3 socket
// `error`). Without handlers the error is logged at debug level.
func (s *Socket) OnError(fn func(s *Socket, err error)) {
	s.mu.Lock()
	s.onErr = append(s.onErr, fn)
	s.mu.Unlock()
}

// Rooms returns the rooms the socket is in, in join order (its own id
// first).
func (s *Socket) Rooms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rooms)
}

// Join adds the socket to room (a no-op if it is already in it).
func (s *Socket) Join(room string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateClosed {
		return ErrDisconnected
	}
	if slices.Contains(s.rooms, room) {
		return nil
	}
	if err := s.nsp.adapter.Add(s.id, room); err != nil {
		return err
	}
	s.rooms = append(s.rooms, room)
	return nil
}

// Leave removes the socket from room; leaving a room it is not in is fine.
func (s *Socket) Leave(room string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.nsp.adapter.Del(s.id, room); err != nil {
		return err
	}
	if i := slices.Index(s.rooms, room); i >= 0 {
		s.rooms = slices.Delete(s.rooms, i, i+1)
	}
	return nil
}

// LeaveAll removes the socket from every room, its own included.
func (s *Socket) LeaveAll() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rooms = nil
	return s.nsp.adapter.DelAll(s.id)
}

// Emit sends an event to this client. []byte values anywhere in args
// travel as binary attachments (they must not be modified afterwards). If
// the last argument is an AckCallback (func(socketio.Args)), the client is
// asked for an ack and the callback runs with its answer on the client's
// handler goroutine; it never runs if the client does not answer — prefer
// EmitWithAck, which cannot leak. Reserved names return ErrReservedEvent.
func (s *Socket) Emit(event string, args ...any) error {
	return Emitter{s: s}.Emit(event, args...)
}

// EmitWithAck sends an event asking for an ack and waits for the answer,
// ctx's end (the pending ack is then forgotten; a late answer is ignored)
// or the socket's disconnection (ErrDisconnected). Do not call it from a
// handler of the same client with a context that never ends: the
// client's later events wait for that handler (acks themselves do not).
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return Emitter{s: s}.EmitWithAck(ctx, event, args...)
}

// Send is Emit("message", args...) (1.7.3 socket.send).
func (s *Socket) Send(args ...any) error { return s.Emit("message", args...) }

// Volatile returns an Emitter whose packets are dropped when the client's
// transport is not writable at that moment (1.7.3 socket.volatile). A
// dropped Emit returns nil; a dropped EmitWithAck returns engineio's
// ErrDropped (its ack could never come).
func (s *Socket) Volatile() Emitter { return Emitter{s: s, flags: flagVolatile} }

// Compress returns an Emitter with HTTP/permessage-deflate compression
// enabled or disabled for its packets (default enabled).
func (s *Socket) Compress(on bool) Emitter { return Emitter{s: s}.Compress(on) }

// To returns a broadcast to the given rooms of the namespace, excluding
// this socket (1.7.3 socket.to/in).
func (s *Socket) To(rooms ...string) BroadcastOperator {
	return Emitter{s: s}.To(rooms...)
}

// In is an alias of To.
func (s *Socket) In(rooms ...string) BroadcastOperator { return s.To(rooms...) }

// Broadcast returns a broadcast to the whole namespace except this socket
// (1.7.3 socket.broadcast).
func (s *Socket) Broadcast() BroadcastOperator { return Emitter{s: s}.Broadcast() }

// Error sends an ERROR packet with data v on the socket's namespace
// (1.7.3 socket.error); the socket stays connected.
// A nil v sends the packet without data ("44/chat"), as 1.7.3 does for
// null and undefined.
func (s *Socket) Error(v any) error {
	p, err := parser.NewError(s.nsp.name, v)
	if err != nil {
		return err
	}
	return s.client.sendPacket(&p, engineio.SendOptions{})
}

// Disconnect disconnects the socket from its namespace: it sends the
// DISCONNECT packet ("41/chat") and closes with reason "server namespace
// disconnect". With close=true every namespace socket of the client is
// disconnected that way (connection order) and then the engine.io session
// is closed. A no-op when already disconnected.
func (s *Socket) Disconnect(close bool) {
	if close {
		s.client.disconnectAll()
		return
	}
	if !s.beginClose(ReasonServerNamespaceDisconnect) {
		return
	}
	p := parser.Packet{Type: parser.Disconnect, Namespace: s.nsp.name}
	_ = s.client.sendPacket(&p, engineio.SendOptions{})
	s.client.enqueueInternal(job{kind: jobFinish, sock: s})
}

// reserved is 1.7.3's Socket.events list.
func reserved(event string) bool {
	switch event {
	case "error", "connect", "disconnect", "disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}

type emitFlags uint8

const (
	flagVolatile emitFlags = 1 << iota
	flagNoCompress
	flagLocal
	flagBroadcast
)

func (f emitFlags) sendOptions() engineio.SendOptions {
	return engineio.SendOptions{Volatile: f&flagVolatile != 0, NoCompress: f&flagNoCompress != 0}
}

// Emitter is an immutable emit configuration for one socket (flags), made
// by Socket.Volatile/Compress. Copies are independent; safe for
// concurrent use.
type Emitter struct {
	s     *Socket
	flags emitFlags
}

// Volatile returns a copy with the volatile flag set.
func (e Emitter) Volatile() Emitter { e.flags |= flagVolatile; return e }

// Compress returns a copy with compression on or off.
func (e Emitter) Compress(on bool) Emitter {
	if on {
		e.flags &^= flagNoCompress
	} else {
		e.flags |= flagNoCompress
	}
	return e
}

// To returns a broadcast to rooms excluding the socket, keeping the flags.
func (e Emitter) To(rooms ...string) BroadcastOperator {
	return BroadcastOperator{nsp: e.s.nsp, except: e.s.id, flags: e.flags}.To(rooms...)
}

// Broadcast returns a namespace-wide broadcast excluding the socket.
func (e Emitter) Broadcast() BroadcastOperator {
	return BroadcastOperator{nsp: e.s.nsp, except: e.s.id, flags: e.flags | flagBroadcast}
}

// Emit is Socket.Emit with the Emitter's flags.
func (e Emitter) Emit(event string, args ...any) error {
	if reserved(event) {
		return ErrReservedEvent
	}
	var cb AckCallback
	if n := len(args); n > 0 {
		if fn, ok := args[n-1].(func(Args)); ok {
			cb, args = fn, args[:n-1]
		}
	}
	var ent *ackEntry
	if cb != nil {
		ent = &ackEntry{fn: cb}
	}
	_, err := e.s.emitPacket(event, args, e.flags, ent)
	return err
}

// EmitWithAck is Socket.EmitWithAck with the Emitter's flags.
func (e Emitter) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	if reserved(event) {
		return Args{}, ErrReservedEvent
	}
	if err := ctx.Err(); err != nil {
		return Args{}, err
	}
	ent := &ackEntry{ch: make(chan Args, 1)}
	id, err := e.s.emitPacket(event, args, e.flags, ent)
	if err != nil {
		return Args{}, err
	}
	e.s.client.flushBatch()    // the packet must not wait for the job's end
	e.s.client.releaseReader() // nor the answer for the reader
	select {
	case a := <-ent.ch:
		return a, nil
	case <-ctx.Done():
		e.s.dropAck(id)
		return Args{}, ctx.Err()
	case <-e.s.goneChan():
		// An answer may have raced the close; prefer it.
		select {
		case a := <-ent.ch:
			return a, nil
		default:
		}
		return Args{}, ErrDisconnected
	}
}

// emitPacket encodes and sends one event; with ent it registers an ack
// under the namespace's next id first and returns that id. A closed
// engine session is reported as ErrDisconnected (wrapping engineio's error).
func (s *Socket) emitPacket(event string, args []any, f emitFlags, ent *ackEntry) (uint64, error) {
	var id uint64
	if ent != nil {
		id = s.nsp.ackIDs.Add(1) - 1
		s.mu.Lock()
		if s.state == stateClosed {
			s.mu.Unlock()
			return 0, ErrDisconnected
		}
		if s.acks == nil {
			s.acks = make(map[uint64]ackEntry)
		}
		s.acks[id] = *ent
		s.mu.Unlock()
	} else if s.isClosed() {
		return 0, ErrDisconnected
	}
	msgs, err := encodeUnicast(s.nsp.name, id, ent != nil, event, args)
	if err == nil {
		so := f.sendOptions()
		so.Batch = s.client.sendBatch()
		err = s.client.conn.Send(msgs, so)
		switch {
		case errors.Is(err, engineio.ErrClosed):
			err = fmt.Errorf("%w: %w", ErrDisconnected, err)
		case errors.Is(err, engineio.ErrDropped) && ent == nil:
			err = nil // volatile: dropping is the expected outcome (1.7.3)
		}
	}
	if err != nil && ent != nil {
		s.dropAck(id)
	}
	return id, err
}

func (s *Socket) dropAck(id uint64) {
	s.mu.Lock()
	delete(s.acks, id)
	s.mu.Unlock()
}

func (s *Socket) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateClosed
}

// onAck handles an ACK/BINARY_ACK from the client (reader goroutine).
func (s *Socket) onAck(p *parser.Packet) {
	if !p.HasID {
		return
	}
	s.mu.Lock()
	ent, ok := s.acks[p.ID]
	if ok {
		delete(s.acks, p.ID)
	}
	s.mu.Unlock()
	if !ok {
		s.client.log().Debug("socketio: ack for unknown id ignored", "socket", s.id, "id", p.ID)
		return
	}
	args := ackArgs(p)
	if ent.ch != nil {
		ent.ch <- args // buffered(1), exactly one send
		return
	}
	s.client.enqueueInternal(job{kind: jobAckCallback, sock: s, ack: ent.fn, args: args})
}

// newAckFunc returns the AckFunc for a client ack request with id.
func (s *Socket) newAckFunc(id uint64) AckFunc {
	var used atomic.Bool
	return func(args ...any) error {
		if !used.CompareAndSwap(false, true) {
			return nil
		}
		if s.isClosed() {
			return ErrDisconnected
		}
		msgs, err := encodeUnicast(s.nsp.name, id, true, "", args)
		if err != nil {
			return err
		}
		err = s.client.conn.Send(msgs, engineio.SendOptions{Batch: s.client.sendBatch()})
		if errors.Is(err, engineio.ErrClosed) {
			err = fmt.Errorf("%w: %w", ErrDisconnected, err)
		}
		return err
	}
}

// dispatch runs the packet middlewares and the handler for one event
// (client handler goroutine).
func (s *Socket) dispatch(p *parser.Packet) {
	s.mu.Lock()
	if s.state != stateConnected {
		s.mu.Unlock()
		return
	}
	uses := s.uses
	s.mu.Unlock()
	name, args, ok := eventArgs(p)
	if !ok {
		s.client.log().Debug("socketio: event without a name dropped", "socket", s.id)
		return
	}
	ev := Event{Name: name, Args: args}
	for _, mw := range uses {
		if err := mw(s, &ev); err != nil {
			s.sendError(err)
			return
		}
	}
	if reserved(ev.Name) {
		s.client.log().Debug("socketio: client event with reserved name dropped", "socket", s.id, "event", ev.Name)
		return
	}
	s.mu.Lock()
	h := s.handlers[ev.Name]
	s.mu.Unlock()
	if h == nil {
		h = s.nsp.config().handlers[ev.Name]
	}
	if h == nil {
		return
	}
	var ack AckFunc
	if p.HasID {
		ack = s.newAckFunc(p.ID)
	}
	h(s, ev.Args, ack)
}

// sendError sends the ERROR packet for a middleware error.
func (s *Socket) sendError(err error) {
	s.client.sendError(s.nsp.name, err)
}

func (s *Socket) emitError(err error) {
	s.mu.Lock()
	fns := s.onErr
	s.mu.Unlock()
	if len(fns) == 0 {
		s.client.log().Debug("socketio: socket error", "socket", s.id, "err", err)
		return
	}
	for _, fn := range fns {
		fn(s, err)
	}
}

// abandon wakes every EmitWithAck waiting on this socket.
func (s *Socket) abandon() {
	s.mu.Lock()
	s.acks = nil
	if !s.abandoned {
		s.abandoned = true
		if s.gone != nil {
			close(s.gone)
		}
	}
	s.mu.Unlock()
}

// goneChan returns a channel closed when the socket is abandoned. It is
// made on first use: most sockets never wait for an ack.
func (s *Socket) goneChan() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone == nil {
		s.gone = make(chan struct{})
		if s.abandoned {
			close(s.gone)
		}
	}
	return s.gone
}

// beginClose is the synchronous half of 1.7.3's Socket#onclose: the
// socket stops sending and receiving, pending acks are abandoned and it
// leaves the namespace and client tables. It reports false when the socket
// was already closed. finishClose must follow on the handler goroutine.
func (s *Socket) beginClose(reason string) bool {
	s.mu.Lock()
	if s.state == stateClosed {
		s.mu.Unlock()
		return false
	}
	s.state = stateClosed
	s.closeReason = reason
	s.acks = nil
	s.mu.Unlock()
	s.abandon()
	s.client.removeSocket(s)
	s.nsp.removeSocket(s)
	return true
}

// finishClose runs `disconnecting`, leaves all rooms, then runs
// `disconnect` (handler goroutine; once).
func (s *Socket) finishClose() {
	s.mu.Lock()
	if s.finished || s.state != stateClosed {
		s.mu.Unlock()
		return
	}
	s.finished = true
	reason := s.closeReason
	discing, disc := s.onDiscing, s.onDisc
	s.mu.Unlock()
	for _, fn := range discing {
		fn(s, reason)
	}
	if err := s.LeaveAll(); err != nil {
		s.client.log().Warn("socketio: adapter failed to remove socket", "socket", s.id, "err", err)
	}
	for _, fn := range disc {
		fn(s, reason)
	}
	s.client.forget(s)
}
