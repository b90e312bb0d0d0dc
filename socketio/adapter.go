package socketio

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/fastsio/fastsio/engineio"
	parser "github.com/fastsio/fastsio/socketio-parser"
)

// Adapter keeps one namespace's room memberships and delivers broadcasts
// (1.7.3's socket.io-adapter contract). Ids are socket ids ("/chat#sid").
// Implementations must be safe for concurrent use and must not call back
// into Socket methods while holding their own locks. A cluster adapter
// (e.g. Redis) typically wraps the memory adapter: it records local
// memberships and local delivery with it and publishes broadcasts that are
// not Flags.Local to other nodes.
type Adapter interface {
	// Add records that socket id joined room.
	Add(id, room string) error
	// Del removes id from room; the room disappears when empty.
	Del(id, room string) error
	// DelAll removes id from every room and forgets it.
	DelAll(id string) error
	// Broadcast sends p (Type Event or BinaryEvent, Data and Attachments
	// set, no ID) to the selected sockets. It sets p.Namespace to the
	// adapter's namespace. Recipients: the union of the members of
	// opts.Rooms (each socket once), or every known socket when Rooms is
	// empty; minus opts.Except; only sockets connected to the namespace.
	Broadcast(p *parser.Packet, opts *BroadcastOptions) error
	// Clients returns the ids of connected sockets in rooms (all known
	// sockets when rooms is empty), rooms in order, members in join order,
	// without duplicates.
	Clients(ctx context.Context, rooms []string) ([]string, error)
	// SocketRooms returns the rooms of socket id in join order, nil if
	// unknown.
	SocketRooms(id string) []string
}

// AdapterFactory creates the adapter of a namespace (Options.Adapter).
type AdapterFactory func(nsp *Namespace) Adapter

// BroadcastOptions selects the recipients of a broadcast.
type BroadcastOptions struct {
	Rooms  []string
	Except []string
	Flags  BroadcastFlags
}

// BroadcastFlags are 1.7.3's broadcast flags.
type BroadcastFlags struct {
	Volatile   bool // drop for recipients whose transport is not writable
	NoCompress bool // compress(false)
	Local      bool // cluster adapters: do not forward to other nodes
	Broadcast  bool // came from socket.broadcast (informational)
}

// NewMemoryAdapter returns the in-memory adapter (socket.io-adapter 0.5.0
// semantics). A broadcast encodes the packet once and hands the same
// messages to every recipient; the adapter lock is released before any
// socket is written to.
func NewMemoryAdapter(nsp *Namespace) Adapter {
	return &memoryAdapter{nsp: nsp, rooms: make(map[string]map[string]uint64), sids: make(map[string]*sidRooms)}
}

type sidRooms struct {
	seq   uint64   // first-join order
	own   uint64   // join sequence of the room named after the socket id; 0 = not in it
	ownAt int      // with own: the own-id room's index in join order among rooms
	rooms []string // join order, without the own-id room
}

// memoryAdapter keeps every socket's own-id room implicitly (sidRooms.own)
// instead of as a one-member map: that room exists for every socket and
// would otherwise cost a map per connection.
type memoryAdapter struct {
	nsp *Namespace

	mu    sync.RWMutex
	rooms map[string]map[string]uint64 // room -> id -> join sequence (own-id rooms excluded)
	sids  map[string]*sidRooms
	seq   uint64
}

func (a *memoryAdapter) Add(id, room string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	sr := a.sids[id]
	if sr == nil {
		sr = &sidRooms{seq: a.seq}
		a.sids[id] = sr
	}
	if room == id {
		if sr.own == 0 {
			sr.own = a.seq
			sr.ownAt = len(sr.rooms)
		}
		return nil
	}
	m := a.rooms[room]
	if m == nil {
		m = make(map[string]uint64)
		a.rooms[room] = m
	}
	if _, ok := m[id]; !ok {
		m[id] = a.seq
		sr.rooms = append(sr.rooms, room)
	}
	return nil
}

func (a *memoryAdapter) Del(id, room string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	sr := a.sids[id]
	if room == id {
		if sr != nil {
			sr.own = 0
		}
		return nil
	}
	a.delLocked(id, room)
	if sr != nil {
		if i := slices.Index(sr.rooms, room); i >= 0 {
			sr.rooms = slices.Delete(sr.rooms, i, i+1)
			if i < sr.ownAt {
				sr.ownAt--
			}
		}
	}
	return nil
}

func (a *memoryAdapter) delLocked(id, room string) {
	if m := a.rooms[room]; m != nil {
		delete(m, id)
		if len(m) == 0 {
			delete(a.rooms, room)
		}
	}
}

func (a *memoryAdapter) DelAll(id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	sr := a.sids[id]
	if sr == nil {
		return nil
	}
	for _, r := range sr.rooms {
		a.delLocked(id, r)
	}
	delete(a.sids, id)
	return nil
}

// members calls fn for every member of room with its join sequence
// (caller holds a.mu).
func (a *memoryAdapter) members(room string, fn func(id string, seq uint64)) {
	for id, seq := range a.rooms[room] {
		fn(id, seq)
	}
	if sr := a.sids[room]; sr != nil && sr.own != 0 {
		fn(room, sr.own)
	}
}

func (a *memoryAdapter) SocketRooms(id string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	sr := a.sids[id]
	if sr == nil {
		return nil
	}
	out := make([]string, 0, len(sr.rooms)+1) // non-nil: id is known
	out = append(out, sr.rooms...)
	if sr.own != 0 {
		out = slices.Insert(out, sr.ownAt, id)
	}
	return out
}

type member struct {
	id  string
	seq uint64
}

func (a *memoryAdapter) Clients(ctx context.Context, rooms []string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var ids []string
	a.mu.RLock()
	if len(rooms) == 0 {
		ms := make([]member, 0, len(a.sids))
		for id, sr := range a.sids {
			ms = append(ms, member{id, sr.seq})
		}
		ids = sortedIDs(ms, nil, nil)
	} else {
		seen := make(map[string]bool)
		for _, r := range rooms {
			var ms []member
			a.members(r, func(id string, seq uint64) { ms = append(ms, member{id, seq}) })
			ids = sortedIDs(ms, ids, seen)
		}
	}
	a.mu.RUnlock()
	return slices.DeleteFunc(ids, func(id string) bool { return a.nsp.Socket(id) == nil }), nil
}

func sortedIDs(ms []member, dst []string, seen map[string]bool) []string {
	slices.SortFunc(ms, func(x, y member) int { return cmp.Compare(x.seq, y.seq) })
	for _, m := range ms {
		if seen != nil {
			if seen[m.id] {
				continue
			}
			seen[m.id] = true
		}
		dst = append(dst, m.id)
	}
	return dst
}

// scratch holds the per-broadcast recipient lists; pooled so that a
// broadcast to N sockets allocates nothing per recipient.
type scratch struct {
	ids   []string
	socks []*Socket
	seen  map[string]struct{}
}

var scratchPool = sync.Pool{New: func() any { return &scratch{seen: make(map[string]struct{})} }}

func (sc *scratch) release() {
	clear(sc.ids)
	clear(sc.socks)
	clear(sc.seen)
	sc.ids, sc.socks = sc.ids[:0], sc.socks[:0]
	scratchPool.Put(sc)
}

func (a *memoryAdapter) Broadcast(p *parser.Packet, opts *BroadcastOptions) error {
	p.Namespace = a.nsp.name
	p.ID, p.HasID = 0, false
	msgs := packetMessages(p) // encoded once for every recipient
	sc := scratchPool.Get().(*scratch)
	defer sc.release()
	excluded := func(id string) bool { return slices.Contains(opts.Except, id) }

	a.mu.RLock()
	switch len(opts.Rooms) {
	case 0:
		for id := range a.sids {
			if !excluded(id) {
				sc.ids = append(sc.ids, id)
			}
		}
	case 1: // no duplicates possible
		a.members(opts.Rooms[0], func(id string, _ uint64) {
			if !excluded(id) {
				sc.ids = append(sc.ids, id)
			}
		})
	default:
		for _, r := range opts.Rooms {
			a.members(r, func(id string, _ uint64) {
				if _, dup := sc.seen[id]; dup || excluded(id) {
					return
				}
				sc.seen[id] = struct{}{}
				sc.ids = append(sc.ids, id)
			})
		}
	}
	a.mu.RUnlock()

	sc.socks = a.nsp.lookup(sc.ids, sc.socks)
	so := engineio.SendOptions{Volatile: opts.Flags.Volatile, NoCompress: opts.Flags.NoCompress}
	if srv := a.nsp.srv; srv.jobs.Load() > 0 {
		so.Batch = srv.bcast // written when a handler ends (Server.jobs)
	}
	for _, s := range sc.socks {
		// Errors are per recipient (closed, volatile drop, queue full) and
		// do not concern the others.
		_ = s.client.conn.Send(msgs, so)
	}
	return nil
}
