package socketio

import (
	"sync"

	"github.com/fastsio/fastsio/engineio"
	parser "github.com/fastsio/fastsio/socketio-parser"
)

// Args are the arguments of a received event or ack, decoded on demand:
// Len, Raw(i) (JSON text), Decode(i, &v) (encoding/json rules; binary
// placeholders become []byte) and Any(i). See parser.Args. An Args value
// refers to the received packet's buffers, which are never reused, so it
// may be kept after the handler returns.
type Args = parser.Args

// NewArgs builds Args from Go values (for a PacketMiddleware that rewrites
// an event, or for tests). []byte values become binary arguments.
func NewArgs(values ...any) (Args, error) {
	if values == nil {
		values = []any{}
	}
	data, atts, err := parser.AppendJSON(nil, nil, values)
	if err != nil {
		return Args{}, err
	}
	p := parser.Packet{Type: parser.Ack, Data: data, Attachments: atts}
	if len(atts) > 0 {
		p.Type = parser.BinaryAck
	}
	return p.AckArgs()
}

// eventArgs splits a received EVENT into name and arguments; ok is false
// for data 1.7.3 cannot handle (not an array, no string name).
func eventArgs(p *parser.Packet) (string, Args, bool) {
	name, args, err := p.EventArgs()
	return name, args, err == nil
}

// ackArgs returns a received ACK's arguments (none if malformed).
func ackArgs(p *parser.Packet) Args {
	a, err := p.AckArgs()
	if err != nil {
		return Args{}
	}
	return a
}

// newEventPacket encodes an EVENT (BINARY_EVENT when args hold []byte).
func newEventPacket(nsp, event string, args []any) (parser.Packet, error) {
	return parser.NewEvent(nsp, event, args...)
}

// scratchJSON holds JSON being built for a unicast packet; the packet's
// header is then written into an exactly sized buffer (which the engine
// keeps), so the scratch can be reused at once.
var scratchJSON = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledJSON = 64 << 10

// encodeUnicast encodes an event (event != "") or ack packet for one
// recipient into engine.io messages.
func encodeUnicast(nsp string, id uint64, hasID bool, event string, args []any) ([]engineio.Message, error) {
	bp := scratchJSON.Get().(*[]byte)
	var (
		data []byte
		atts [][]byte
		err  error
		typ  parser.Type
	)
	if event != "" {
		typ = parser.Event
		data, atts, err = parser.AppendEventData((*bp)[:0], nil, event, args)
	} else {
		typ = parser.Ack
		if args == nil {
			args = []any{}
		}
		data, atts, err = parser.AppendJSON((*bp)[:0], nil, args)
	}
	if err != nil {
		scratchJSON.Put(bp)
		return nil, err
	}
	if len(atts) > 0 {
		if typ == parser.Event {
			typ = parser.BinaryEvent
		} else {
			typ = parser.BinaryAck
		}
	}
	p := parser.Packet{Type: typ, Namespace: nsp, ID: id, HasID: hasID, Data: data, Attachments: atts}
	msgs := packetMessages(&p)
	if cap(data) <= maxPooledJSON {
		*bp = data[:0]
		scratchJSON.Put(bp)
	}
	return msgs, nil
}
