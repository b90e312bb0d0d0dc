package parserlayer

import (
	"bytes"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fastsio/fastsio/conformance/recording"
	"github.com/fastsio/fastsio/conformance/siopackets"
	"github.com/fastsio/fastsio/engineio/packet"
	parser "github.com/fastsio/fastsio/socketio-parser"
)

// recordings returns the committed recordings and the fixtures.
func recordings(t *testing.T) []string {
	t.Helper()
	committed, err := recording.Glob(filepath.Join("..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	if len(committed) == 0 {
		t.Log("notice: no committed recordings under conformance/testdata yet; replaying fixtures only")
	}
	fixtures, err := recording.Glob(filepath.Join("..", "recording", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fixtures) == 0 {
		t.Fatal("fixtures missing")
	}
	return append(committed, fixtures...)
}

// reencode returns the bytes the codec writes for the decoded packets of pl
// and the bytes they must equal.
func reencode(pl recording.Payload) (got, want []byte) {
	ps := pl.Packets
	switch pl.Format {
	case recording.StringPayload, recording.JSONPForm:
		got, want = packet.AppendStringPayload(nil, ps), pl.Body
		if n := len(ps); n > 0 && ps[n-1].Type == packet.Close && len(got) < len(want) {
			// Decoding stops at a close packet; the rest was never read.
			want = want[:len(got)]
		}
	case recording.BinaryPayload, recording.JSONPBuffer:
		got, want = packet.AppendBinaryPayload(nil, ps), pl.Body
	case recording.JSONPResponse:
		got, want = packet.AppendJSONP(nil, pl.Index, packet.AppendStringPayload(nil, ps)), pl.Wire
	case recording.WSText:
		got, want = packet.AppendText(nil, ps[0]), pl.Wire
	case recording.WSBinary:
		got, want = packet.AppendBinary(nil, ps[0]), pl.Wire
	}
	return got, want
}

// TestReplayEngineIO: every engine.io payload and frame of every recording
// decodes, and re-encodes byte-identically.
// covers: EIOP-19, EIOP-20, EIOP-26, EIOP-28, SUP-01, SUP-03, SUP-13, SUP-24, SUP-25, SUP-26
func TestReplayEngineIO(t *testing.T) {
	for _, file := range recordings(t) {
		t.Run(filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file), func(t *testing.T) {
			rec, err := recording.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			n, bad := 0, 0
			for _, pl := range rec.Payloads() {
				where := file + " seq " + strconv.Itoa(pl.Seq) + " (" + pl.Dir + " " + pl.Transport + " " + string(pl.Format) + ")"
				if pl.Err != nil {
					if pl.Dir == "s2c" {
						t.Errorf("%s: server output does not decode: %v", where, pl.Err)
					} else {
						// Recordings of error cases carry deliberately bad client input.
						bad++
						t.Logf("%s: client input does not decode (expected for error cases): %v", where, pl.Err)
					}
					continue
				}
				n += len(pl.Packets)
				got, want := reencode(pl)
				if !bytes.Equal(got, want) {
					t.Errorf("%s: re-encoding differs (-recorded +re-encoded):\n%s", where, cmp.Diff(strconv.Quote(string(want)), strconv.Quote(string(got))))
				}
				// The size functions the server uses for Content-Length and
				// compression thresholds agree with the encoders.
				switch pl.Format {
				case recording.StringPayload, recording.JSONPForm, recording.JSONPResponse:
					if n, m := packet.StringPayloadLen(pl.Packets), len(packet.AppendStringPayload(nil, pl.Packets)); n != m {
						t.Errorf("%s: StringPayloadLen %d != %d", where, n, m)
					}
				case recording.BinaryPayload, recording.JSONPBuffer:
					if n := packet.BinaryPayloadLen(pl.Packets); n != len(got) {
						t.Errorf("%s: BinaryPayloadLen %d != %d", where, n, len(got))
					}
				}
			}
			t.Logf("%d engine.io packets re-encoded identically, %d undecodable client payloads", n, bad)
		})
	}
}

// sioView is what go-cmp compares for a socket.io packet.
type sioView struct {
	Header      string
	Attachments [][]byte
}

// TestReplaySocketIO: every socket.io packet of the socket.io recordings
// decodes with the socketio-parser Decoder and re-encodes into the same
// engine.io messages (header text and attachments).
// covers: SIOP-01, SIOP-02, SIOP-03, SUP-32
func TestReplaySocketIO(t *testing.T) {
	for _, file := range recordings(t) {
		rec, err := recording.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Meta.Layer != "socketio" {
			continue
		}
		t.Run(filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file), func(t *testing.T) {
			n := 0
			for _, p := range siopackets.Assemble(rec.Packets()) {
				where := file + " seq " + strconv.Itoa(p.First.Seq) + " (" + p.First.Dir + " " + p.First.Transport + ")"
				if p.Err != nil {
					if p.First.Dir == "s2c" {
						t.Errorf("%s: server packet does not decode: %v", where, p.Err)
					} else {
						// Error-case recordings carry deliberately bad client packets.
						t.Logf("%s: client packet does not decode (expected for error cases): %v", where, p.Err)
					}
					continue
				}
				n++
				header, atts := parser.Encode(&p.SIO)
				got := sioView{Header: string(header), Attachments: atts}
				want := sioView{Header: string(p.Parts[0].Data)}
				for _, m := range p.Parts[1:] {
					want.Attachments = append(want.Attachments, m.Data)
				}
				if want.Attachments == nil && len(got.Attachments) == 0 {
					got.Attachments = nil
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("%s: socket.io re-encoding differs (-recorded +re-encoded):\n%s", where, d)
				}
			}
			t.Logf("%d socket.io packets re-encoded identically", n)
		})
	}
}
