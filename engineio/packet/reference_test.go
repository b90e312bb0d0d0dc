package packet

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// nodeModules returns the directory holding engine.io-parser 1.3.2, or skips
// the test when Node is not available and FASTSIO_REQUIRE_NODE is unset.
func nodeModules(t *testing.T) string {
	t.Helper()
	require := os.Getenv("FASTSIO_REQUIRE_NODE") != ""
	dir := os.Getenv("FASTSIO_NODE_MODULES")
	if dir == "" {
		dir, _ = filepath.Abs("../../tools/node/node_modules")
	}
	_, errNode := exec.LookPath("node")
	_, errMod := os.Stat(filepath.Join(dir, "engine.io-parser", "package.json"))
	if errNode != nil || errMod != nil {
		if require {
			t.Fatalf("FASTSIO_REQUIRE_NODE is set but node (%v) or engine.io-parser in %s (%v) is missing", errNode, dir, errMod)
		}
		t.Skip("node or engine.io-parser not available")
	}
	return dir
}

type refPacket struct {
	Type   string  `json:"type"`
	Data   *string `json:"data"` // base64 of the bytes (text: UTF-8)
	Binary bool    `json:"binary"`
	Error  bool    `json:"error,omitempty"`
}

func toRef(p Packet) refPacket {
	r := refPacket{Type: p.Type.String(), Binary: p.Binary}
	if p.Type == Unknown {
		r.Type = "unknown"
	}
	if p.Data != nil || p.Binary {
		s := base64.StdEncoding.EncodeToString(p.Data)
		r.Data = &s
	}
	return r
}

func (r refPacket) String() string {
	if r.Error {
		return "{error}"
	}
	d := "<none>"
	if r.Data != nil {
		b, _ := base64.StdEncoding.DecodeString(*r.Data)
		d = fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("{%s bin=%v %s}", r.Type, r.Binary, d)
}

type refDecodeCase struct {
	Body   string `json:"body"`
	Binary bool   `json:"binary"`
}

var refTexts = []string{"", "hello", "é", "€", "中", "😀", "a😀é中", `2["echo","é😀"]`, "line\nbreak\t\"q\"\\", "\x00\x1f\x7f", "\u2028\u2029", "ÿ"}

func randomPackets(r *rand.Rand) []Packet {
	n := r.IntN(4)
	ps := make([]Packet, n)
	for i := range ps {
		typ := Type(r.IntN(7))
		switch r.IntN(3) {
		case 0:
			ps[i] = Packet{Type: typ}
		case 1:
			ps[i] = text(typ, refTexts[r.IntN(len(refTexts))]+refTexts[r.IntN(len(refTexts))])
		default:
			b := make([]byte, r.IntN(40))
			for j := range b {
				b[j] = byte(r.IntN(256))
			}
			ps[i] = Packet{Type: typ, Data: b, Binary: true}
		}
	}
	return ps
}

// Encoders and decoders agree with engine.io-parser 1.3.2 running in Node on
// the spec examples, random packet lists and truncated/mutated bodies.
// covers: EIOP-19, EIOP-20, EIOP-27, EIOP-28, EIOP-29, SUP-01, SUP-03
func TestAgainstReference(t *testing.T) {
	mods := nodeModules(t)
	r := rand.New(rand.NewPCG(1, 2))
	var lists [][]Packet
	for _, s := range refTexts {
		lists = append(lists, []Packet{text(Message, s)})
	}
	lists = append(lists, nil, []Packet{bin(Message, 1, 2, 3), text(Message, "hi"), {Type: Close}})
	for range 200 {
		if ps := randomPackets(r); len(ps) > 0 {
			lists = append(lists, ps)
		}
	}
	type encCase []refPacket
	in := struct {
		Encode []encCase       `json:"encode"`
		Decode []refDecodeCase `json:"decode"`
		Form   []string        `json:"form"`
	}{}
	forms := []string{"x=1", "", "d=1&d=2", "d", "d=&x", "x=1&d==a=b", "%64=3:4hi", "d=a+b", "&&d=x&", `d=1\n2\\n3\\\n`, `d=a\b\`,
		"d=13%3A4a%5Cnb%5C%5Cnc+%C3%83%C2%A9%C3%A2%C2%80%C2%A8", `d=\\\\n\n\\n\`, "d=%5cn%5C%5Cn", "D=1", "d%3D=1"}
	for _, f := range forms {
		in.Form = append(in.Form, base64.StdEncoding.EncodeToString([]byte(f)))
	}
	for _, ps := range lists {
		c := encCase{}
		for _, p := range ps {
			c = append(c, toRef(p))
		}
		in.Encode = append(in.Encode, c)
	}
	// Decode cases: valid encodings, every truncation of some of them, and
	// hand-picked malformed bodies within the documented common domain (not
	// WTF-8 surrogates: Node turns them into U+FFFD when printing, Go keeps the
	// bytes; see TestDecodeStringPayloadRules).
	var bodies []refDecodeCase
	add := func(b []byte, binary bool) {
		bodies = append(bodies, refDecodeCase{base64.StdEncoding.EncodeToString(b), binary})
	}
	for i, ps := range lists {
		sp := AppendStringPayload(nil, ps)
		bp := AppendBinaryPayload(nil, ps)
		add(sp, false)
		add(bp, true)
		if i%10 == 0 {
			for n := 1; n < len(sp); n++ {
				if b := sp[:n]; b[n-1] < 0xC0 { // don't cut a double-encoded char in half
					add(b, false)
				}
			}
			for n := 1; n < len(bp); n++ {
				add(bp[:n], true)
			}
		}
	}
	for _, s := range []string{"1!", "))", "1:", "3:99:", "1:aa", "1:a2:b", "2:4\u00ff", "2:4é", "0:", "0:2:4a0:", "02:4a", "2:4a1", "2:4a2:9b",
		"1:12:4a;;", "2:b12:4a", ":4a", "3:4\u00c0\u00af", "6:b9AQID", "7:b4AQ!ID", "1:7", "2:4\u00c3", "3:4\u00c3\u00a9"} {
		add([]byte(s), false)
	}
	for _, b := range [][]byte{{0x40}, {0, 2, 0xff, '4', 'a', 1, 3}, {0, 9, 0xff, '4', 'a'}, {0, 2, 0xff, '4', 0xff},
		{0, 0, 0xff}, {1, 0, 0xff}, {7, 2, 0xff, 4, 9}, {0, 2, 0xff, '4', 'a', 0, 2, 0xff, '7', 'a', 1, 2, 0xff, 4, 1}} {
		add(b, true)
	}
	in.Decode = bodies

	f := filepath.Join(t.TempDir(), "in.json")
	js, _ := json.Marshal(in)
	if err := os.WriteFile(f, js, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "testdata/reference.js", f)
	cmd.Env = append(os.Environ(), "FASTSIO_NODE_MODULES="+mods)
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var out struct {
		Encode []struct {
			String string   `json:"string"`
			Binary string   `json:"binary"`
			Text   []string `json:"text"`
			JSONP  string   `json:"jsonp"`
		} `json:"encode"`
		Decode [][]refPacket `json:"decode"`
		Form   []*string     `json:"form"`
	}
	if err := json.Unmarshal(outb, &out); err != nil {
		t.Fatal(err)
	}
	dec := func(s string) []byte { b, _ := base64.StdEncoding.DecodeString(s); return b }
	for i, ps := range lists {
		want := out.Encode[i]
		if got := AppendStringPayload(nil, ps); !bytes.Equal(got, dec(want.String)) {
			t.Errorf("string payload %s:\n go   % x\n node % x", fmtPackets(ps), got, dec(want.String))
		}
		if got := AppendBinaryPayload(nil, ps); !bytes.Equal(got, dec(want.Binary)) {
			t.Errorf("binary payload %s:\n go   % x\n node % x", fmtPackets(ps), got, dec(want.Binary))
		}
		for j, p := range ps {
			if got := AppendText(nil, p); !bytes.Equal(got, dec(want.Text[j])) {
				t.Errorf("text packet %s: go %q node %q", fmtPackets(ps[j:j+1]), got, dec(want.Text[j]))
			}
		}
		// JSONP escaping of the string payload (SUP-24).
		if got := AppendJSONP(nil, "", AppendStringPayload(nil, ps)); string(got) != `___eio[](`+string(dec(want.JSONP))+`);` {
			t.Errorf("jsonp %s:\n go   %q\n node %q", fmtPackets(ps), got, dec(want.JSONP))
		}
	}
	for i, c := range bodies {
		body := dec(c.Body)
		var got []refPacket
		fn := func(p Packet) error { got = append(got, toRef(p)); return nil }
		var err error
		if c.Binary {
			err = DecodeBinaryPayload(body, fn)
		} else {
			err = DecodeStringPayload(body, fn)
		}
		if err != nil {
			got = append(got, refPacket{Error: true})
		}
		want := out.Decode[i]
		// The reference delivers the entries after a bad binary entry too; the
		// session closes at the error, so only the prefix up to it matters.
		for k, p := range want {
			if p.Error {
				want = want[:k+1]
				break
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("decode (binary=%v) % x:\n go   %v\n node %v", c.Binary, body, got, want)
		}
	}
	for i, f := range forms {
		got, err := DecodeJSONPForm([]byte(f))
		want := out.Form[i]
		switch {
		case err != nil:
			t.Errorf("DecodeJSONPForm(%q): %v", f, err)
		case want == nil && got != nil, want != nil && got == nil:
			t.Errorf("DecodeJSONPForm(%q) = %q, node %v", f, got, want)
		case want != nil && !bytes.Equal(got, dec(*want)):
			t.Errorf("DecodeJSONPForm(%q) = %q, node %q", f, got, dec(*want))
		}
	}
	t.Logf("compared %d packet lists and %d bodies with engine.io-parser", len(lists), len(bodies))
}
