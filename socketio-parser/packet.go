package parser

import "strconv"

// Type is a socket.io packet type (protocol revision 4).
type Type byte

// Packet types, numbered as on the wire.
const (
	Connect     Type = 0
	Disconnect  Type = 1
	Event       Type = 2
	Ack         Type = 3
	Error       Type = 4
	BinaryEvent Type = 5
	BinaryAck   Type = 6
)

var typeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "ERROR", "BINARY_EVENT", "BINARY_ACK"}

// String returns the upstream name, e.g. "BINARY_EVENT".
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// IsBinary reports whether t is BinaryEvent or BinaryAck, the types whose
// header carries an attachment count and whose placeholders are resolved.
func (t Type) IsBinary() bool { return t == BinaryEvent || t == BinaryAck }

// Packet is one socket.io packet.
//
// The ack id is ID, valid only when HasID is set (a value pair rather than a
// pointer so that packets need no extra allocation; ids are non-negative and
// the decoder rejects ids that do not fit uint64).
//
// Data is the JSON text of the payload exactly as it travels: nil means "no
// data"; for binary types it contains {"_placeholder":true,"num":N} objects
// standing for Attachments[N]. Use [Packet.EventArgs] / [Packet.AckArgs] to
// read it and [AppendJSON] / [NewEvent] / [NewAck] to build it.
type Packet struct {
	Type        Type
	Namespace   string // "" or "/" is the root namespace; decoded packets always have it set ("/" for root)
	ID          uint64
	HasID       bool
	Data        []byte   // raw JSON, nil = absent
	Attachments [][]byte // binary attachments of BinaryEvent/BinaryAck, in placeholder order
}

// IsRoot reports whether the packet belongs to the root namespace.
func (p *Packet) IsRoot() bool { return p.Namespace == "" || p.Namespace == "/" }
