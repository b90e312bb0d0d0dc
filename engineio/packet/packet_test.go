package packet

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhexT(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func text(typ Type, s string) Packet { return Packet{Type: typ, Data: []byte(s)} }
func bin(typ Type, b ...byte) Packet { return Packet{Type: typ, Data: b, Binary: true} }

func samePacket(a, b Packet) bool {
	return a.Type == b.Type && a.Binary == b.Binary && (a.Data == nil) == (b.Data == nil) && bytes.Equal(a.Data, b.Data)
}

// Single-packet text encoding and decoding. JavaScript values map to Go as:
// strings -> text Data, Buffer/ArrayBuffer/typed-array views/Blobs -> []byte
// with Binary set (a view is just a sub-slice in Go). The browser-only items
// EIOP-35..42 are client-library tests; their wire formats are the same as
// the Node ones and are covered here through []byte packets.
func TestTextPacket(t *testing.T) {
	cases := []struct {
		name string
		p    Packet
		wire string
	}{
		{"EIOP-01 EIOP-02 EIOP-08 message aaa", text(Message, "aaa"), "4aaa"},
		{"EIOP-03 message without data", Packet{Type: Message}, "4"},
		{"EIOP-04 open with JSON", text(Open, `{"some":"json"}`), `0{"some":"json"}`},
		{"EIOP-05 close", Packet{Type: Close}, "1"},
		{"EIOP-06 ping with data", text(Ping, "1"), "21"},
		{"EIOP-07 pong with data", text(Pong, "1"), "31"},
		{"EIOP-09 utf8 string unchanged", text(Message, "utf8 — string"), "4utf8 — string"},
		{"EIOP-10 no utf8 step for single packets", text(Message, "€€€"), "4€€€"},
		{"EIOP-12 numeric data as text", text(Message, "1"), "41"},
		{"EIOP-13 upgrade", Packet{Type: Upgrade}, "5"},
		{"EIOP-14 noop is one digit", Packet{Type: Noop}, "6"},
		{"probe", text(Ping, "probe"), "2probe"},
		{"EIOP-27 EIOP-30 EIOP-42 base64 binary 010203", bin(Message, 1, 2, 3), "b4AQID"},
		{"base64 binary 01020304 padded", bin(Message, 1, 2, 3, 4), "b4AQIDBA=="},
		{"EIOP-30 base64 empty binary", bin(Message), "b4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := AppendText(nil, c.p)
			if string(got) != c.wire {
				t.Fatalf("AppendText = %q, want %q", got, c.wire)
			}
			if n := TextLen(c.p); n != len(got) {
				t.Fatalf("TextLen = %d, want %d", n, len(got))
			}
			// Appending keeps the prefix.
			if got := AppendText([]byte("xy"), c.p); string(got) != "xy"+c.wire {
				t.Fatalf("AppendText with prefix = %q", got)
			}
			dec, err := DecodeText([]byte(c.wire))
			if err != nil {
				t.Fatalf("DecodeText: %v", err)
			}
			want := c.p
			if want.Binary && want.Data == nil {
				want.Data = []byte{}
			}
			if !samePacket(dec, want) {
				t.Fatalf("DecodeText = %+v, want %+v", dec, want)
			}
		})
	}
}

// covers: EIOP-03 — "4" decodes to a message with no data (nil, not empty).
func TestMessageWithoutDataIsNil(t *testing.T) {
	p, err := DecodeText([]byte("4"))
	if err != nil || p.Data != nil || p.Type != Message {
		t.Fatalf("got %+v, %v", p, err)
	}
}

// covers: EIOP-15, EIOP-16, EIOP-17
func TestDecodeTextErrors(t *testing.T) {
	cases := []struct{ name, in string }{
		{"EIOP-15 empty", ""},
		{"EIOP-16 colons", ":::"},
		{"EIOP-17 unknown type 9", "94103"},
		{"type 7", "7"},
		{"letter", "x"},
		{"space", " 4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeText([]byte(c.in))
			if !errors.Is(err, ErrParse) {
				t.Fatalf("err = %v, want ErrParse", err)
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Format != "text packet" || pe.Offset != 0 {
				t.Fatalf("err = %#v", err)
			}
			if !strings.HasPrefix(err.Error(), "packet: ") {
				t.Fatalf("message %q lacks the package prefix", err)
			}
		})
	}
}

// The "b" form is not validated by the reference: a bad type character gives
// an unknown-type packet, base64 is decoded like Node's Buffer.
func TestDecodeTextBase64Lenient(t *testing.T) {
	cases := []struct {
		in   string
		typ  Type
		data string // hex
	}{
		{"b4AQIDBA", Message, "01020304"},
		{"b4AQ ID", Message, "010203"},
		{"b4AQ!ID", Message, "010203"},
		{"b4AQ-_", Message, "010fbf"},
		{"b4AQ==ID", Message, "01"},
		{"b4A", Message, ""},
		{"b4AQI=D", Message, "0102"},
		{"b9AQID", Unknown, "010203"},
		{"bxAQID", Unknown, "010203"},
		{"b", Unknown, ""},
		{"b1", Close, ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			p, err := DecodeText([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if p.Type != c.typ || !p.Binary || p.Data == nil || hex.EncodeToString(p.Data) != c.data {
				t.Fatalf("got %+v", p)
			}
		})
	}
}

// covers: EIOP-26, EIOP-31, EIOP-32, EIOP-33, EIOP-34
func TestBinaryPacket(t *testing.T) {
	t.Run("EIOP-26 message 010203 encodes as 04 010203", func(t *testing.T) {
		got := AppendBinary(nil, bin(Message, 1, 2, 3))
		if !bytes.Equal(got, []byte{4, 1, 2, 3}) {
			t.Fatalf("got % x", got)
		}
	})
	t.Run("EIOP-32 sub-slice view encodes only its bytes", func(t *testing.T) {
		backing := []byte{9, 9, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9}
		got := AppendBinary(nil, Packet{Type: Message, Data: backing[4:12], Binary: true})
		if !bytes.Equal(got, []byte{4, 1, 2, 3, 4, 5, 6, 7, 8}) {
			t.Fatalf("got % x", got)
		}
	})
	t.Run("EIOP-33 EIOP-34 04030201 decodes as message 030201", func(t *testing.T) {
		in := []byte{4, 3, 2, 1}
		p, err := DecodeBinary(in)
		if err != nil || p.Type != Message || !p.Binary || !bytes.Equal(p.Data, []byte{3, 2, 1}) {
			t.Fatalf("got %+v, %v", p, err)
		}
		if &p.Data[0] != &in[1] {
			t.Fatal("Data does not alias the input")
		}
		if cap(p.Data) != len(p.Data) {
			t.Fatal("Data capacity exposes bytes past the packet")
		}
	})
	t.Run("EIOP-31 round trip", func(t *testing.T) {
		p := bin(Message, 0, 0xff, 0x10)
		d, err := DecodeBinary(AppendBinary(nil, p))
		if err != nil || !samePacket(d, p) {
			t.Fatalf("got %+v, %v", d, err)
		}
	})
	t.Run("unknown type byte is not an error", func(t *testing.T) {
		p, err := DecodeBinary([]byte{7, 1})
		if err != nil || p.Type != 7 || p.Type.Valid() {
			t.Fatalf("got %+v, %v", p, err)
		}
	})
	t.Run("empty frame is an unknown packet", func(t *testing.T) {
		p, err := DecodeBinary(nil)
		if err != nil || p.Type != Unknown {
			t.Fatalf("got %+v, %v", p, err)
		}
	})
}

func TestTypeString(t *testing.T) {
	for typ, want := range map[Type]string{Open: "open", Noop: "noop", Message: "message", 7: "unknown(7)", Unknown: "unknown(255)"} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", typ, got, want)
		}
	}
}

// Zero allocations on the hot single-packet paths.
func TestSinglePacketAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	in := []byte("4hello")
	p := text(Message, "hello")
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendText(buf[:0], p)
		buf = AppendBinary(buf[:0], p)
		if _, err := DecodeText(in); err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeBinary(in); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("allocs = %v, want 0", allocs)
	}
}
