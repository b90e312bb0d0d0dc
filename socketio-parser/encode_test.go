package parser

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

type encodeCase struct {
	Name        string          `json:"name"`
	Type        Type            `json:"type"`
	Nsp         string          `json:"nsp"`
	ID          *uint64         `json:"id"`
	Data        json.RawMessage `json:"data"`
	Header      string          `json:"header"`
	Attachments []string        `json:"attachments"`
}

func (c *encodeCase) packet(t testing.TB) Packet {
	p := Packet{Type: c.Type, Namespace: c.Nsp}
	if c.ID != nil {
		p.ID, p.HasID = *c.ID, true
	}
	if c.Data != nil {
		data, atts, err := AppendJSON(nil, nil, goldenValue(t, c.Data))
		if err != nil {
			t.Fatal(err)
		}
		p.Data, p.Attachments = data, atts
	}
	return p
}

// TestEncodeGolden checks every row of the spec's §3.1 table (and the
// upstream parser tests) byte for byte, then decodes the result again.
// covers: SIOP-01, SIOP-02, SIOP-03, SIOP-04, SIOP-05, SIOP-07, SIOP-08,
// SIOP-09, SIOP-10, SIOP-11, SIOP-13, SIOP-14, SIOP-15, SUP-32, SUP-56, SUP-57
// (SIOP-09 ArrayBuffer and SIOP-13..15 Blob/File are all []byte in Go: there
// is one binary type, so those cases are the []byte ones.)
func TestEncodeGolden(t *testing.T) {
	// SIOP-01: the numeric constants.
	for i, want := range []Type{Connect, Disconnect, Event, Ack, Error, BinaryEvent, BinaryAck} {
		if int(want) != i {
			t.Fatalf("SIOP-01: %v = %d, want %d", want, want, i)
		}
	}
	var cases []encodeCase
	readJSONFile(t, "encode.json", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			p := c.packet(t)
			if p.Type.IsBinary() != (len(p.Attachments) > 0) && c.Header[1] != '0' {
				t.Errorf("has-binary mismatch: type %v with %d attachments", p.Type, len(p.Attachments))
			}
			hdr, atts := Encode(&p)
			if string(hdr) != c.Header {
				t.Errorf("header\n got %s\nwant %s", hdr, c.Header)
			}
			if got := hexList(atts); strings.Join(got, ",") != strings.Join(c.Attachments, ",") {
				t.Errorf("attachments %v, want %v", got, c.Attachments)
			}
			// Round trip through the decoder.
			d, _ := NewDecoder(nil)
			got, ok, err := d.Add(hdr, false)
			for _, a := range atts {
				if ok || err != nil {
					break
				}
				got, ok, err = d.Add(a, true)
			}
			if err != nil || !ok {
				t.Fatalf("decode: ok=%v err=%v", ok, err)
			}
			want := p
			if want.Namespace == "" {
				want.Namespace = "/"
			}
			if want.Type.IsBinary() && want.Attachments == nil {
				want.Attachments = [][]byte{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip\n got %s\nwant %s", packetString(got), packetString(want))
			}
			again := AppendPacket(nil, &got)
			if string(again) != c.Header {
				t.Errorf("re-encoded %s", again)
			}
		})
	}
}

// TestEncodeGoldenReference encodes the same cases with socket.io-parser
// 2.3.1 and compares with the golden file.
// covers: SUP-32, SUP-56, SUP-57
func TestEncodeGoldenReference(t *testing.T) {
	in, err := readFileBytes("encode.json")
	if err != nil {
		t.Fatal(err)
	}
	out := runNode(t, `
const p = require('socket.io-parser');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
function js(v) {
  if (Array.isArray(v)) return v.map(js);
  if (v && typeof v === 'object') {
    const ks = Object.keys(v);
    if (ks.length === 1) {
      if (ks[0] === '$bin') return Buffer.from(v.$bin, 'hex');
      if (ks[0] === '$date') return new Date(v.$date);
      if (ks[0] === '$num') return Number(v.$num);
      if (ks[0] === '$undefined') return undefined;
      if (ks[0] === '$fn') return function () {};
    }
    const o = {};
    for (const k of ks) o[k] = js(v[k]);
    return o;
  }
  return v;
}
const res = [];
for (const c of cases) {
  const pk = {type: c.type, nsp: c.nsp};
  if (c.id !== undefined) pk.id = c.id;
  if (c.data !== undefined) pk.data = js(c.data);
  new p.Encoder().encode(pk, enc => res.push({header: enc[0], attachments: enc.slice(1).map(b => Buffer.from(b).toString('hex'))}));
}
process.stdout.write(JSON.stringify(res));
`, in)
	var cases []encodeCase
	readJSONFile(t, "encode.json", &cases)
	var res []struct {
		Header      string   `json:"header"`
		Attachments []string `json:"attachments"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(cases) {
		t.Fatalf("node output: %v (%d results)", err, len(res))
	}
	for i, c := range cases {
		if res[i].Header != c.Header || strings.Join(res[i].Attachments, ",") != strings.Join(c.Attachments, ",") {
			t.Errorf("%s: reference %q %v, golden %q %v", c.Name, res[i].Header, res[i].Attachments, c.Header, c.Attachments)
		}
	}
}

func TestAppendPacketNoAlloc(t *testing.T) {
	p := Packet{Type: BinaryEvent, Namespace: "/chat", ID: 42, HasID: true, Data: []byte(`["a",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1}}}
	buf := make([]byte, 0, 128)
	if n := testing.AllocsPerRun(100, func() { buf = AppendPacket(buf[:0], &p) }); n != 0 {
		t.Errorf("AppendPacket allocates %v times", n)
	}
	if got := string(buf); got != `51-/chat,42["a",{"_placeholder":true,"num":0}]` {
		t.Errorf("got %s", got)
	}
}

// covers: SUP-32
func TestNewEventAck(t *testing.T) {
	p, err := NewEvent("/chat", "msg", "hi", []byte{1, 2}, map[string]any{"b": []byte{3}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != BinaryEvent || len(p.Attachments) != 2 || string(AppendPacket(nil, &p)) != `52-/chat,["msg","hi",{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]` {
		t.Errorf("got %s", packetString(p))
	}
	p, err = NewEvent("/", "plain", 1, nil, []byte(nil))
	if err != nil || p.Type != Event || string(AppendPacket(nil, &p)) != `2["plain",1,null,null]` {
		t.Errorf("got %s %v", packetString(p), err)
	}
	p, err = NewAck("/", 3)
	if err != nil || string(AppendPacket(nil, &p)) != `33[]` {
		t.Errorf("got %s %v", packetString(p), err)
	}
	p, err = NewAck("/x", 0, []byte("z"))
	if err != nil || p.Type != BinaryAck || string(AppendPacket(nil, &p)) != `61-/x,0[{"_placeholder":true,"num":0}]` {
		t.Errorf("got %s %v", packetString(p), err)
	}
	for _, tt := range []struct {
		nsp  string
		data any
		want string
	}{
		{"/auth", nil, `4/auth`},
		{"/", "Invalid namespace", `4"Invalid namespace"`},
		{"/auth", Object{{"reason", "zz"}}, `4/auth,{"reason":"zz"}`},
	} {
		p, err := NewError(tt.nsp, tt.data)
		if err != nil || string(AppendPacket(nil, &p)) != tt.want {
			t.Errorf("NewError: %s %v, want %s", AppendPacket(nil, &p), err, tt.want)
		}
	}
	if _, err := NewError("/", []byte{1}); err == nil {
		t.Error("binary ERROR accepted")
	}
	if _, err := NewEvent("/", "bad", make(chan int)); err == nil {
		t.Error("channel argument accepted")
	}
}
