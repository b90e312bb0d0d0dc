package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fastsio/fastsio/conformance/recording"
	"github.com/fastsio/fastsio/conformance/siopackets"
	"github.com/fastsio/fastsio/engineio/packet"
)

type options struct {
	maxData int
	maxHex  int
	showSID bool
	layer   string
	sio     bool // decode messages as socket.io
}

type key struct{ seq, index int }

// dump prints one line per engine.io packet (and per undecodable payload).
func dump(w io.Writer, evs []recording.Event, o options) {
	pls := recording.Extract(evs)
	var all []recording.Packet
	for _, pl := range pls {
		for i, p := range pl.Packets {
			all = append(all, recording.Packet{Seq: pl.Seq, TMs: pl.TMs, Conn: pl.Conn, SID: pl.SID, Dir: pl.Dir, Transport: pl.Transport, Index: i, Packet: p})
		}
	}
	// socket.io packets by the engine message that starts them, and
	// attachment messages pointing back to their header.
	heads := map[key]siopackets.Packet{}
	parts := map[key]string{}
	var sps []siopackets.Packet
	if o.sio {
		sps = siopackets.Assemble(all)
	}
	for _, sp := range sps {
		heads[key{sp.First.Seq, sp.First.Index}] = sp
		for i, part := range sp.Parts[1:] {
			parts[key{part.Seq, part.Index}] = fmt.Sprintf("attachment %d/%d of seq %d", i+1, len(sp.Parts)-1, sp.First.Seq)
		}
	}
	for _, pl := range pls {
		for i, p := range pl.Packets {
			prefix := linePrefix(pl, o)
			if len(pl.Packets) > 1 {
				prefix += "#" + strconv.Itoa(i) + " "
			}
			fmt.Fprintf(w, "%seio=%s", prefix, p.Type)
			k := key{pl.Seq, i}
			switch {
			case p.Type != packet.Message:
				if p.Data != nil {
					fmt.Fprintf(w, " %s", o.data(p.Data, p.Binary))
				}
			case parts[k] != "":
				fmt.Fprintf(w, " (%s) %s", parts[k], o.data(p.Data, p.Binary))
			default:
				if sp, ok := heads[k]; ok {
					o.writeSIO(w, sp, p)
				} else {
					fmt.Fprintf(w, " %s", o.data(p.Data, p.Binary))
				}
			}
			fmt.Fprintln(w)
		}
		if pl.Err != nil {
			fmt.Fprintf(w, "%s!! %s body does not decode: %v (%s)\n", linePrefix(pl, o), pl.Format, pl.Err, o.data(pl.Body, !utf8.Valid(pl.Body)))
		}
	}
}

func linePrefix(pl recording.Payload, o options) string {
	s := fmt.Sprintf("%10.3f %-4d %s %-9s ", pl.TMs, pl.Seq, pl.Dir, pl.Transport)
	if o.showSID {
		sid := pl.SID
		if sid == "" {
			sid = "-"
		}
		s += sid + " "
	}
	return s
}

func (o options) writeSIO(w io.Writer, sp siopackets.Packet, p packet.Packet) {
	if sp.Err != nil {
		fmt.Fprintf(w, " sio-error=%q %s", sp.Err.Error(), o.data(p.Data, p.Binary))
		return
	}
	s := sp.SIO
	fmt.Fprintf(w, " sio=%s nsp=%s", s.Type, s.Namespace)
	if s.HasID {
		fmt.Fprintf(w, " id=%d", s.ID)
	}
	if s.Data != nil {
		fmt.Fprintf(w, " data=%s", o.data(s.Data, false))
	}
	for i, a := range s.Attachments {
		fmt.Fprintf(w, " att%d=%s", i, o.data(a, true))
	}
}

// data renders text quoted only when needed, binary as hex, both truncated.
func (o options) data(b []byte, binary bool) string {
	if binary {
		n := len(b)
		if o.maxHex > 0 && n > o.maxHex {
			return hex.EncodeToString(b[:o.maxHex]) + "…(" + strconv.Itoa(len(b)) + " bytes)"
		}
		return "<" + hex.EncodeToString(b) + ">"
	}
	s := string(b)
	more := ""
	if o.maxData > 0 && len(s) > o.maxData {
		cut := o.maxData
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		more = "…(" + strconv.Itoa(len(s)) + " bytes)"
		s = s[:cut]
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == utf8.RuneError }) {
		s = strconv.Quote(s)
	}
	return s + more
}
