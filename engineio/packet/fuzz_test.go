package packet

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// Seeds come from the spec tables used by the unit tests.
var stringSeeds = []string{
	"6:4hello", "3:4\xc3\x83\xc2\xa9", "11:4a\xc3\xb0\xc2\x9f\xc2\x98\xc2\x80\xc3\x83\xc2\xa9\xc3\xa4\xc2\xb8\xc2\xad",
	"3:4hi6:b4AQID", "1:61:1", "0:", "1!", "", "))", "1:", "3:99:", "1:aa", "1:a2:b", "2:4\xc3\xbf", "2:4\xc3\xa9",
	"2:4a1", "0:2:4a0:", "1:12:4a", "6:b9AQID", "4:4\xc3\xad\xc2\xa0\xc2\x80",
}

var binarySeeds = [][]byte{
	{0, 2, 0xff, '4', '0'}, {0, 1, 0xff, '1'}, {1, 4, 0xff, 4, 1, 2, 3},
	{0, 4, 0xff, '4', 0xe2, 0x82, 0xac, 1, 5, 0xff, 4, 1, 2, 3, 4},
	{0, 3, 0xff, '4', 'h', 'i', 1, 4, 0xff, 4, 1, 2, 3}, {0x40}, {0, 0, 0xff}, {1, 0, 0xff}, {0, 12, 0xff, '4'},
	{}, {0, 9, 0xff, '4', 'a'},
}

func validTypes(ps []Packet) []Packet {
	var out []Packet
	for _, p := range ps {
		if p.Type.Valid() {
			out = append(out, p)
		}
	}
	return out
}

func FuzzDecodeText(f *testing.F) {
	for _, s := range []string{"4hello", "4", "0{\"a\":1}", "2probe", "b4AQID", "b4AQIDBA==", "", ":::", "94103", "b", "bx", "4€€€"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := DecodeText(in)
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("error %v is not ErrParse", err)
			}
			return
		}
		enc := AppendText(nil, p)
		if !p.Binary {
			// Text packets re-encode byte-identically.
			if !bytes.Equal(enc, in) {
				t.Fatalf("round trip %q -> %q", in, enc)
			}
			return
		}
		if !p.Type.Valid() {
			return
		}
		// Base64 may be non-canonical on input; the re-encoding is canonical
		// and decodes to the same packet.
		q, err := DecodeText(enc)
		if err != nil || !samePacket(p, q) {
			t.Fatalf("%q -> %q -> %+v, %v", in, enc, q, err)
		}
	})
}

func FuzzDecodeBinary(f *testing.F) {
	for _, s := range [][]byte{{4, 1, 2, 3}, {4}, {}, {7, 1}, {0xff}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := DecodeBinary(in)
		if err != nil {
			t.Fatal(err)
		}
		if len(in) > 0 && !bytes.Equal(AppendBinary(nil, p), in) {
			t.Fatalf("round trip % x", in)
		}
	})
}

func FuzzDecodeStringPayload(f *testing.F) {
	for _, s := range stringSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		orig := bytes.Clone(body)
		var ps []Packet
		err := DecodeStringPayload(body, func(p Packet) error {
			if !p.Binary && invalidWTF8(p.Data) >= 0 {
				t.Fatalf("delivered invalid UTF-8 %q", p.Data)
			}
			ps = append(ps, Packet{Type: p.Type, Data: bytes.Clone(p.Data), Binary: p.Binary})
			return nil
		})
		if err != nil && !errors.Is(err, ErrParse) {
			t.Fatalf("error %v is not ErrParse", err)
		}
		if !bytes.Equal(body, orig) {
			t.Fatal("input modified")
		}
		// A Decoder gives the same result.
		var d Decoder
		var ps2 []Packet
		err2 := d.DecodeStringPayload(body, func(p Packet) error { ps2 = append(ps2, p); return nil })
		if (err == nil) != (err2 == nil) || !samePackets(ps, ps2) {
			t.Fatalf("Decoder differs: %v / %v", err, err2)
		}
		// Whatever was delivered re-encodes and decodes to the same packets,
		// with the size predicted by StringPayloadLen.
		vs := validTypes(ps)
		if len(vs) == 0 {
			return
		}
		enc := AppendStringPayload(nil, vs)
		if len(enc) != StringPayloadLen(vs) {
			t.Fatalf("StringPayloadLen %d != %d", StringPayloadLen(vs), len(enc))
		}
		back, err2 := decodeAllString(enc)
		if err2 != nil {
			t.Fatalf("re-decode of %q: %v", enc, err2)
		}
		want := vs
		for i, p := range vs {
			if p.Type == Close {
				want = vs[:i+1]
				break
			}
		}
		if !samePackets(back, want) {
			t.Fatalf("re-decode %s != %s", fmtPackets(back), fmtPackets(want))
		}
		// A body that decoded cleanly without the close rule, canonical
		// lengths and canonical base64 re-encodes byte-identically.
		if err == nil && !bytes.Contains(body, []byte("b")) && bytes.Equal(AppendStringPayload(nil, ps), body) != (canonicalString(body) && len(vs) == len(ps)) {
			t.Fatalf("canonical body %q re-encodes as %q", body, AppendStringPayload(nil, ps))
		}
	})
}

// canonicalString: every length is written without leading zeros, no
// zero-length entries, nothing after a close packet.
func canonicalString(body []byte) bool {
	for i := 0; i < len(body); {
		j := bytes.IndexByte(body[i:], ':')
		if j <= 0 || (body[i] == '0') {
			return false
		}
		n := 0
		for _, c := range body[i : i+j] {
			n = n*10 + int(c-'0')
		}
		i += j + 1
		k := i
		for c := 0; c < n; c++ {
			if body[k] >= 0x80 {
				k++
			}
			k++
		}
		if body[i] == '1' && k < len(body) {
			return false
		}
		i = k
	}
	return true
}

func FuzzDecodeBinaryPayload(f *testing.F) {
	for _, s := range binarySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var ps []Packet
		err := DecodeBinaryPayload(body, func(p Packet) error {
			ps = append(ps, Packet{Type: p.Type, Data: bytes.Clone(p.Data), Binary: p.Binary})
			return nil
		})
		if err != nil && !errors.Is(err, ErrParse) {
			t.Fatalf("error %v is not ErrParse", err)
		}
		enc := AppendBinaryPayload(nil, ps)
		if len(enc) != BinaryPayloadLen(ps) {
			t.Fatalf("BinaryPayloadLen %d != %d", BinaryPayloadLen(ps), len(enc))
		}
		back, err2 := decodeAllBinary(enc)
		if err2 != nil {
			t.Fatalf("re-decode of % x: %v", enc, err2)
		}
		if !samePackets(back, ps) {
			t.Fatalf("re-decode %s != %s", fmtPackets(back), fmtPackets(ps))
		}
		// Every packet decoded as a complete body whose text entries have no
		// base64 and whose lengths are canonical re-encodes identically.
		if err == nil && bytes.Equal(enc, body) != canonicalBinary(body) {
			t.Fatalf("canonical body % x re-encodes as % x", body, enc)
		}
	})
}

// canonicalBinary: lengths without leading zeros, no truncation, kind
// bytes 0/1, no empty binary entries, no "b" text entries.
func canonicalBinary(body []byte) bool {
	for i := 0; i < len(body); {
		if body[i] > 1 {
			return false
		}
		data, next, err := binaryEntry(body, i)
		if err != nil || body[i+1] == 0 || len(data) == 0 {
			return false
		}
		n := 0
		for _, c := range body[i+1 : next-len(data)-1] {
			n = n*10 + int(c)
		}
		if n != len(data) || (body[i] == 0 && data[0] == 'b') {
			return false
		}
		i = next
	}
	return true
}

func FuzzDecodeJSONPForm(f *testing.F) {
	for _, s := range []string{"d=13%3A4a%5Cnb%5C%5Cnc+%C3%83%C2%A9%C3%A2%C2%80%C2%A8", "d=1&d=2", "d", "%64=3:4hi", `d=1\n2\\n3\\\n`, "x=1"} {
		f.Add([]byte(s), "")
	}
	f.Add([]byte(""), "a\nb\\nc é\u2028")
	f.Fuzz(func(t *testing.T, body []byte, msg string) {
		if sp, err := DecodeJSONPForm(body); err == nil && sp != nil {
			_ = DecodeStringPayload(sp, func(Packet) error { return nil })
		}
		// Round trip as the JSONP client sends a message (only text
		// without a backslash right before a newline survives, see §7.2).
		if !utf8.ValidString(msg) || strings.Contains(msg, "\\\n") {
			return
		}
		sp := AppendStringPayload(nil, []Packet{text(Message, msg)})
		esc := strings.ReplaceAll(string(sp), `\n`, "\\\n")
		esc = strings.ReplaceAll(esc, "\n", `\n`)
		form := "x=1&d=" + url.QueryEscape(esc)
		got, err := DecodeJSONPForm([]byte(form))
		if err != nil || !bytes.Equal(got, sp) {
			t.Fatalf("form %q -> %q, want %q (%v)", form, got, sp, err)
		}
		ps, err := decodeAllString(got)
		if err != nil || len(ps) != 1 || string(ps[0].Data) != msg {
			t.Fatalf("payload %q -> %s, %v", got, fmtPackets(ps), err)
		}
	})
}
