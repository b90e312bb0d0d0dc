// Package siopackets reassembles the socket.io packets of a recording: the
// engine.io message packets of each session and direction are fed, in wire
// order, to a socketio-parser Decoder, so that a BINARY_EVENT header and
// its attachment messages come out as one packet.
//
// Sessions are keyed by engine.io sid (recording.Packet.SID), falling back
// to the TCP connection when no sid is known. Not safe for concurrent use;
// results own their memory.
package siopackets

import (
	"errors"
	"slices"
	"strconv"

	"github.com/fastsio/fastsio/conformance/recording"
	"github.com/fastsio/fastsio/engineio/packet"
	parser "github.com/fastsio/fastsio/socketio-parser"
)

// Packet is one socket.io packet (or one undecodable message) of a recording.
type Packet struct {
	// First is the engine.io message that started the packet (its header);
	// its Seq/TMs/Dir/Transport/SID locate the packet.
	First recording.Packet
	// Parts are the engine.io messages that made the packet, in order: the
	// header, then one binary message per attachment.
	Parts []recording.Packet
	// SIO is the decoded packet (zero when Err is set).
	SIO parser.Packet
	// Err is the decoding error; the packet's messages were dropped.
	Err error
}

// ErrNoData is reported for an engine.io message without data ("4"), which
// the socket.io 1.7.3 server treats as a fatal client error.
var ErrNoData = errors.New("siopackets: engine.io message without data")

// ErrIncomplete reports a binary packet whose attachments never all arrived.
var ErrIncomplete = errors.New("siopackets: binary packet missing attachments at the end of the recording")

type stream struct {
	dec     *parser.Decoder
	pending *Packet
}

// Assemble returns the socket.io packets carried by the message packets of
// pkts, in the order they were completed.
func Assemble(pkts []recording.Packet) []Packet {
	streams := map[string]*stream{}
	var out []Packet
	for _, ep := range pkts {
		if ep.Type != packet.Message {
			continue
		}
		key := ep.SID
		if key == "" {
			key = "conn " + strconv.Itoa(ep.Conn)
		}
		key += " " + ep.Dir
		st := streams[key]
		if st == nil {
			dec, _ := parser.NewDecoder(nil)
			st = &stream{dec: dec}
			streams[key] = st
		}
		if ep.Data == nil {
			out = append(out, Packet{First: ep, Parts: []recording.Packet{ep}, Err: ErrNoData})
			continue
		}
		p, ok, err := st.dec.Add(ep.Data, ep.Binary)
		switch {
		case err != nil:
			msgs := []recording.Packet{ep}
			first := ep
			if st.pending != nil && (ep.Binary || !st.dec.Pending()) {
				// The error ended the reconstruction in progress.
				msgs = append(st.pending.Parts, ep)
				first = st.pending.First
				st.pending = nil
			}
			out = append(out, Packet{First: first, Parts: msgs, Err: err})
		case ok && ep.Binary:
			st.pending.Parts = append(st.pending.Parts, ep)
			st.pending.SIO = p
			out = append(out, *st.pending)
			st.pending = nil
		case ok:
			// A text message completes at once (even while a binary packet
			// waits for attachments, as in 2.3.1).
			out = append(out, Packet{First: ep, Parts: []recording.Packet{ep}, SIO: p})
		case ep.Binary:
			st.pending.Parts = append(st.pending.Parts, ep)
		default:
			// A binary header: attachments follow. A previous unfinished
			// header is replaced, as in 2.3.1.
			if st.pending != nil {
				out = append(out, Packet{First: st.pending.First, Parts: st.pending.Parts, Err: ErrIncomplete})
			}
			st.pending = &Packet{First: ep, Parts: []recording.Packet{ep}}
		}
	}
	var left []Packet
	for _, st := range streams {
		if st.pending != nil {
			left = append(left, Packet{First: st.pending.First, Parts: st.pending.Parts, Err: ErrIncomplete})
		}
	}
	slices.SortFunc(left, func(a, b Packet) int { return a.First.Seq - b.First.Seq })
	return append(out, left...)
}
