package socketio

import (
	"context"
	"slices"
)

// BroadcastOperator is an immutable broadcast selection: rooms, excluded
// socket ids and flags. Every method returns a new value, so a chain like
// nsp.To("a").Volatile().Emit(...) never affects other emits, and one
// operator may be used from many goroutines (unlike 1.7.3, whose flags live
// on the shared namespace/socket object).
type BroadcastOperator struct {
	nsp    *Namespace
	rooms  []string // never modified in place
	except string   // the emitting socket, or ""
	others []string // further exclusions (Except); never modified in place
	flags  emitFlags
}

// To adds rooms (deduplicated, in call order).
func (b BroadcastOperator) To(rooms ...string) BroadcastOperator {
	nr := make([]string, len(b.rooms), len(b.rooms)+len(rooms))
	copy(nr, b.rooms)
	for _, r := range rooms {
		if !slices.Contains(nr, r) {
			nr = append(nr, r)
		}
	}
	b.rooms = nr
	return b
}

// In is an alias of To.
func (b BroadcastOperator) In(rooms ...string) BroadcastOperator { return b.To(rooms...) }

// Except excludes socket ids from the broadcast.
func (b BroadcastOperator) Except(ids ...string) BroadcastOperator {
	b.others = append(slices.Clip(b.others), ids...)
	return b
}

// Volatile marks the packets volatile (dropped for recipients whose
// transport is not writable at that moment).
func (b BroadcastOperator) Volatile() BroadcastOperator { b.flags |= flagVolatile; return b }

// Compress turns compression on or off for the packets.
func (b BroadcastOperator) Compress(on bool) BroadcastOperator {
	if on {
		b.flags &^= flagNoCompress
	} else {
		b.flags |= flagNoCompress
	}
	return b
}

// Local marks the broadcast as node-local for cluster adapters.
func (b BroadcastOperator) Local() BroadcastOperator { b.flags |= flagLocal; return b }

// Emit encodes the event once and sends it to every selected socket.
// Reserved names return ErrReservedEvent; an AckCallback argument returns
// ErrAckBroadcast.
func (b BroadcastOperator) Emit(event string, args ...any) error {
	if reserved(event) {
		return ErrReservedEvent
	}
	if n := len(args); n > 0 {
		if _, ok := args[n-1].(func(Args)); ok {
			return ErrAckBroadcast
		}
	}
	p, err := newEventPacket(b.nsp.name, event, args)
	if err != nil {
		return err
	}
	return b.nsp.adapter.Broadcast(&p, b.options())
}

func (b BroadcastOperator) options() *BroadcastOptions {
	o := &BroadcastOptions{Rooms: b.rooms, Flags: BroadcastFlags{
		Volatile:   b.flags&flagVolatile != 0,
		NoCompress: b.flags&flagNoCompress != 0,
		Local:      b.flags&flagLocal != 0,
		Broadcast:  b.flags&flagBroadcast != 0,
	}}
	switch {
	case b.except != "" && len(b.others) == 0:
		o.Except = []string{b.except}
	case b.except != "":
		o.Except = append([]string{b.except}, b.others...)
	default:
		o.Except = b.others
	}
	return o
}

// Clients lists the ids of the connected sockets in the selected rooms (the
// whole namespace without rooms). Exclusions and flags do not apply.
func (b BroadcastOperator) Clients(ctx context.Context) ([]string, error) {
	return b.nsp.adapter.Clients(ctx, b.rooms)
}
