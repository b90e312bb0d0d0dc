package siopackets

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fastsio/fastsio/conformance/recording"
	"github.com/fastsio/fastsio/engineio/packet"
	parser "github.com/fastsio/fastsio/socketio-parser"
)

func TestAssembleFixture(t *testing.T) {
	rec, err := recording.ReadFile(filepath.Join("..", "recording", "testdata", "socketio-websocket.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range Assemble(rec.Packets()) {
		if p.Err != nil {
			t.Fatalf("seq %d: %v", p.First.Seq, p.Err)
		}
		id := ""
		if p.SIO.HasID {
			id = fmt.Sprint(p.SIO.ID)
		}
		got = append(got, fmt.Sprintf("%s %s %s id=%s %s att=%d msgs=%d", p.First.Dir, p.SIO.Type, p.SIO.Namespace, id, p.SIO.Data, len(p.SIO.Attachments), len(p.Parts)))
	}
	want := []string{
		"s2c CONNECT / id=  att=0 msgs=1",
		`c2s BINARY_EVENT / id= ["file",{"_placeholder":true,"num":0},"é"] att=1 msgs=2`,
		`s2c BINARY_EVENT / id= ["file",{"_placeholder":true,"num":0},"é"] att=1 msgs=2`,
		`c2s EVENT / id=12 ["echo",1,{"a":[true,null]}] att=0 msgs=1`,
		`s2c ACK / id=12 [1,{"a":[true,null]}] att=0 msgs=1`,
		"c2s CONNECT /chat id=  att=0 msgs=1",
		"s2c CONNECT /chat id=  att=0 msgs=1",
		`c2s EVENT /chat id= ["x"] att=0 msgs=1`,
		"c2s DISCONNECT /chat id=  att=0 msgs=1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func msg(seq int, dir, sid string, data string, binary bool) recording.Packet {
	return recording.Packet{Seq: seq, Dir: dir, SID: sid, Packet: packet.Packet{Type: packet.Message, Data: []byte(data), Binary: binary}}
}

func TestAssembleErrors(t *testing.T) {
	in := []recording.Packet{
		msg(0, "c2s", "A", "\x01", true), // binary without header: fatal
		msg(1, "c2s", "A", `52-["x",{"_placeholder":true,"num":0}]`, false),
		msg(2, "s2c", "A", `2["interleaved"]`, false),                               // other direction, other stream
		msg(3, "c2s", "B", `2["other session"]`, false),                             // other session
		msg(4, "c2s", "A", "\x02", true),                                            // one of two attachments
		{Seq: 5, Dir: "c2s", SID: "A", Packet: packet.Packet{Type: packet.Message}}, // no data
		{Seq: 6, Dir: "c2s", SID: "A", Packet: packet.Packet{Type: packet.Ping}},    // not a message: ignored
	}
	out := Assemble(in)
	var got []string
	for _, p := range out {
		s := fmt.Sprintf("%d:%d", p.First.Seq, len(p.Parts))
		switch {
		case errors.Is(p.Err, parser.ErrUnexpectedBinary):
			s += " unexpected-binary"
		case errors.Is(p.Err, ErrNoData):
			s += " no-data"
		case errors.Is(p.Err, ErrIncomplete):
			s += " incomplete"
		case p.Err != nil:
			s += " " + p.Err.Error()
		default:
			s += " " + p.SIO.Type.String()
		}
		got = append(got, s)
	}
	want := "0:1 unexpected-binary|2:1 EVENT|3:1 EVENT|5:1 no-data|1:2 incomplete"
	if strings.Join(got, "|") != want {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, "|"), want)
	}
}
