package packet

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const openJSON = `{"sid":"-fyS65uTrvsGnbciAAAA","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":60000}`

func decodeAllString(body []byte) ([]Packet, error) {
	var ps []Packet
	err := DecodeStringPayload(body, func(p Packet) error { ps = append(ps, p); return nil })
	return ps, err
}

func decodeAllBinary(body []byte) ([]Packet, error) {
	var ps []Packet
	err := DecodeBinaryPayload(body, func(p Packet) error { ps = append(ps, p); return nil })
	return ps, err
}

func samePackets(a, b []Packet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !samePacket(a[i], b[i]) {
			return false
		}
	}
	return true
}

func fmtPackets(ps []Packet) string {
	var sb strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&sb, "{%v bin=%v %q nil=%v}", p.Type, p.Binary, p.Data, p.Data == nil)
	}
	return sb.String()
}

// String payload golden bytes from spec §5.2, §5.5 and §14. EIOP-35 is a
// browser-client test (a binary-capable client still sends string payloads
// when nothing is binary); the server side of it is that such POSTs, without
// Content-Type application/octet-stream, decode as string payloads — here.
func TestStringPayloadGolden(t *testing.T) {
	cases := []struct {
		name string
		ps   []Packet
		wire string // hex
	}{
		{"EIOP-19 EIOP-20 EIOP-35 SUP-01 message hello", []Packet{text(Message, "hello")}, "36 3a 34 68 65 6c 6c 6f"},
		{"SUP-01 é counts 3 bytes and is double encoded", []Packet{text(Message, "é")}, "33 3a 34 c3 83 c2 a9"},
		{"SUP-01 € counts 4", []Packet{text(Message, "€")}, "34 3a 34 c3 a2 c2 82 c2 ac"},
		{"SUP-01 中 counts 4", []Packet{text(Message, "中")}, "34 3a 34 c3 a4 c2 b8 c2 ad"},
		{"SUP-01 astral 😀 counts 5", []Packet{text(Message, "😀")}, "35 3a 34 c3 b0 c2 9f c2 98 c2 80"},
		{"SUP-01 a😀é中 counts 11", []Packet{text(Message, "a😀é中")}, "31 31 3a 34 61 c3 b0 c2 9f c2 98 c2 80 c3 83 c2 a9 c3 a4 c2 b8 c2 ad"},
		{"EIOP-27 binary message base64", []Packet{bin(Message, 1, 2, 3)}, "36 3a 62 34 41 51 49 44"},
		{"EIOP-27 EIOP-36 EIOP-39 text + binary (§14.3)", []Packet{text(Message, "hi"), bin(Message, 1, 2, 3)}, hexOf("3:4hi6:b4AQID")},
		{"close", []Packet{{Type: Close}}, hexOf("1:1")},
		{"noop", []Packet{{Type: Noop}}, hexOf("1:6")},
		{"pong", []Packet{{Type: Pong}}, hexOf("1:3")},
		{"noop then close (§12.1)", []Packet{{Type: Noop}, {Type: Close}}, hexOf("1:61:1")},
		{"EIOP-20 message then ping in order", []Packet{text(Message, "a"), {Type: Ping}}, hexOf("2:4a1:2")},
		{"§14.1 open packet, Content-Length 100", []Packet{text(Open, openJSON)}, hexOf("97:0" + openJSON)},
		{"§14.1 POST 4héllo", []Packet{text(Message, "héllo")}, "37 3a 34 68 c3 83 c2 a9 6c 6c 6f"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := unhexT(t, c.wire)
			got := AppendStringPayload(nil, c.ps)
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendStringPayload = % x\nwant                  % x", got, want)
			}
			if n := StringPayloadLen(c.ps); n != len(want) {
				t.Fatalf("StringPayloadLen = %d, want %d", n, len(want))
			}
			dec, err := decodeAllString(want)
			if err != nil {
				t.Fatalf("DecodeStringPayload: %v", err)
			}
			if c.ps[len(c.ps)-1].Type == Close || !samePackets(dec, c.ps) {
				if !samePackets(dec, c.ps) {
					t.Fatalf("decoded %s\nwant    %s", fmtPackets(dec), fmtPackets(c.ps))
				}
			}
		})
	}
}

func hexOf(s string) string { return fmt.Sprintf("% x", s) }

// covers: SUP-01 — the socket.io event example of §5.2. The spec's row says
// 17 UTF-16 units / 20 bytes / Content-Length 29 for 42["echo","é😀"], but that
// text has 16 units; engine.io-parser 1.3.2 gives "19:" and 28 bytes (checked
// with node), one ASCII character less than the spec's row. A 14-character
// ASCII frame ("!" added) gives the spec's 20 and 29.
func TestStringPayloadSocketIOEvent(t *testing.T) {
	p := text(Message, `2["echo","é😀"]`)
	got := AppendStringPayload(nil, []Packet{p})
	if !bytes.HasPrefix(got, []byte("19:42[")) || len(got) != 28 || StringPayloadLen([]Packet{p}) != 28 {
		t.Fatalf("got %q (%d bytes)", got, len(got))
	}
	p = text(Message, `2["echo","é😀!"]`)
	got = AppendStringPayload(nil, []Packet{p})
	if !bytes.HasPrefix(got, []byte("20:42[")) || len(got) != 29 || StringPayloadLen([]Packet{p}) != 29 {
		t.Fatalf("got %q (%d bytes)", got, len(got))
	}
}

// covers: EIOP-11 — payload encoding writes the UTF-8 "byte string" of the
// packet: 4€€€ becomes 4â\x82¬â\x82¬â\x82¬ (each byte a character), length 10.
func TestStringPayloadByteString(t *testing.T) {
	got := AppendStringPayload(nil, []Packet{text(Message, "€€€")})
	want := "10:4" + strings.Repeat("\u00e2\u0082\u00ac", 3)
	if string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// covers: EIOP-21
func TestEmptyStringPayload(t *testing.T) {
	if got := AppendStringPayload(nil, nil); string(got) != "0:" {
		t.Fatalf("got %q", got)
	}
	ps, err := decodeAllString([]byte("0:"))
	if err != nil || len(ps) != 0 {
		t.Fatalf("got %v, %v", ps, err)
	}
	if StringPayloadLen(nil) != 2 {
		t.Fatal("StringPayloadLen(nil) != 2")
	}
}

// Decoding rules of §5.3 and the upstream parser tests.
func TestDecodeStringPayloadRules(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		want    []Packet // packets delivered before the end or the error
		wantErr bool
		errOff  int
	}{
		{"EIOP-22 1!", "1!", nil, true, 1},
		{"EIOP-22 empty", "", nil, true, 0},
		{"EIOP-22 ))", "))", nil, true, 0},
		{"EIOP-23 length beyond data 1:", "1:", nil, true, 0},
		{"EIOP-24 3:99:", "3:99:", nil, true, 2},
		{"EIOP-24 1:aa length mismatch", "1:aa", nil, true, 2},
		{"EIOP-24 1:a2:b bad packet type", "1:a2:b", nil, true, 2},
		{"EIOP-25 invalid UTF-8 byte string", "2:4\u00ff", nil, true, 2},
		{"EIOP-18 4\\uffff-like invalid inner UTF-8", "3:4\u00c3\u0028", nil, true, 2},
		{"SUP-02 single UTF-8 with UTF-16 length", "2:4é", nil, true, 2},
		{"zero-length entry skipped", "0:2:4a0:", []Packet{text(Message, "a")}, false, 0},
		{"leading zeros accepted", "02:4a", []Packet{text(Message, "a")}, false, 0},
		{"leftover after packets is an error after delivery", "2:4a1", []Packet{text(Message, "a")}, true, 4},
		{"bad second packet after delivery of first", "2:4a2:9b", []Packet{text(Message, "a")}, true, 6},
		{"close stops the payload", "1:12:4a;;;garbage", []Packet{{Type: Close}}, false, 0},
		{"close with data stops too", "2:1x2:4a", []Packet{text(Close, "x")}, false, 0},
		{"base64 close stops too", "2:b12:4a", []Packet{{Type: Close, Data: []byte{}, Binary: true}}, false, 0},
		{"empty length", ":4a", nil, true, 0},
		{"char above U+00FF", "2:4€", nil, true, 3},
		{"invalid outer UTF-8", "2:4\xff", nil, true, 3},
		{"huge length", "99999999999999999999999:4", nil, true, 0},
		{"surrogate WTF-8 accepted", "4:4\u00ed\u00a0\u0080", []Packet{{Type: Message, Data: []byte{0xed, 0xa0, 0x80}}}, false, 0},
		{"overlong rejected", "3:4\u00c0\u00af", nil, true, 2},
		{"base64 entry not WTF-8 checked", "4:b4\u00ffA", []Packet{{Type: Message, Data: []byte{}, Binary: true}}, false, 0},
		{"unknown base64 type delivered", "6:b9AQID", []Packet{bin(Unknown, 1, 2, 3)}, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeAllString([]byte(c.body))
			if c.wantErr {
				var pe *Error
				if !errors.As(err, &pe) || !errors.Is(err, ErrParse) {
					t.Fatalf("err = %v, want *Error", err)
				}
				if pe.Offset != c.errOff || pe.Format != "string payload" {
					t.Fatalf("err = %v, want offset %d", err, c.errOff)
				}
			} else if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !samePackets(got, c.want) {
				t.Fatalf("delivered %s\nwant      %s", fmtPackets(got), fmtPackets(c.want))
			}
		})
	}
}

// A callback error stops decoding and comes back unchanged.
func TestDecodePayloadCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := DecodeStringPayload([]byte("2:4a2:4b"), func(Packet) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("string: err=%v n=%d", err, n)
	}
	n = 0
	err = DecodeBinaryPayload([]byte{0, 1, 0xff, '3', 0, 1, 0xff, '3'}, func(Packet) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("binary: err=%v n=%d", err, n)
	}
}

// Data aliasing: ASCII entries alias the body, non-ASCII ones do not, and
// the body is never modified.
func TestStringPayloadAliasing(t *testing.T) {
	body := []byte("6:4hello7:4h\xc3\x83\xc2\xa9llo")
	orig := append([]byte(nil), body...)
	ps, err := decodeAllString(body)
	if err != nil || len(ps) != 2 {
		t.Fatal(ps, err)
	}
	if &ps[0].Data[0] != &body[3] {
		t.Error("ASCII entry does not alias the body")
	}
	if string(ps[1].Data) != "héllo" {
		t.Errorf("non-ASCII entry = %q", ps[1].Data)
	}
	if !bytes.Equal(body, orig) {
		t.Error("body modified")
	}
	// Appending to a delivered Data must not clobber later packets.
	if cap(ps[0].Data) != len(ps[0].Data) {
		t.Error("Data capacity exceeds its length")
	}
}

func TestDecoderReuse(t *testing.T) {
	var d Decoder
	body := AppendStringPayload(nil, []Packet{text(Message, "é中"), text(Message, "x😀")})
	for range 3 {
		var got []string
		err := d.DecodeStringPayload(body, func(p Packet) error { got = append(got, string(p.Data)); return nil })
		if err != nil || len(got) != 2 || got[0] != "é中" || got[1] != "x😀" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	allocs := testing.AllocsPerRun(50, func() {
		_ = d.DecodeStringPayload(body, func(Packet) error { return nil })
	})
	if allocs != 0 {
		t.Fatalf("warm Decoder allocates %v times", allocs)
	}
}

// Binary payload golden bytes from spec §5.4 and §14.2.
func TestBinaryPayloadGolden(t *testing.T) {
	cases := []struct {
		name string
		ps   []Packet
		wire string
	}{
		{"SUP-03 open packet 97 bytes", []Packet{text(Open, openJSON)}, "00 09 07 ff" + hexOf("0"+openJSON)},
		{"socket.io CONNECT 40", []Packet{text(Message, "0")}, "00 02 ff 34 30"},
		{"close", []Packet{{Type: Close}}, "00 01 ff 31"},
		{"noop", []Packet{{Type: Noop}}, "00 01 ff 36"},
		{"pong", []Packet{{Type: Pong}}, "00 01 ff 33"},
		{"noop then close", []Packet{{Type: Noop}, {Type: Close}}, "00 01 ff 36 00 01 ff 31"},
		{"message a😀é中 single UTF-8", []Packet{text(Message, "a😀é中")}, "00 01 01 ff 34 61 f0 9f 98 80 c3 a9 e4 b8 ad"},
		{"EIOP-26 binary 010203", []Packet{bin(Message, 1, 2, 3)}, "01 04 ff 04 01 02 03"},
		{"€ + binary 01020304", []Packet{text(Message, "€"), bin(Message, 1, 2, 3, 4)}, "00 04 ff 34 e2 82 ac 01 05 ff 04 01 02 03 04"},
		{"§14.2 hello", []Packet{text(Message, "hello")}, "00 06 ff 34 68 65 6c 6c 6f"},
		{"§14.2 4hi + binary", []Packet{text(Message, "hi"), bin(Message, 1, 2, 3)}, "00 03 ff 34 68 69 01 04 ff 04 01 02 03"},
		{"EIOP-28 EIOP-37 EIOP-40 two buffers in order", []Packet{bin(Message, 1), bin(Message, 2, 3)}, "01 02 ff 04 01 01 03 ff 04 02 03"},
		{"length 1024 digits", []Packet{bin(Message, make([]byte, 1023)...)}, "01 01 00 02 04 ff 04" + strings.Repeat(" 00", 1023)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := unhexT(t, c.wire)
			got := AppendBinaryPayload(nil, c.ps)
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendBinaryPayload = % x\nwant                   % x", got, want)
			}
			if n := BinaryPayloadLen(c.ps); n != len(want) {
				t.Fatalf("BinaryPayloadLen = %d, want %d", n, len(want))
			}
			dec, err := decodeAllBinary(want)
			if err != nil {
				t.Fatal(err)
			}
			if !samePackets(dec, c.ps) {
				t.Fatalf("decoded %s\nwant    %s", fmtPackets(dec), fmtPackets(c.ps))
			}
		})
	}
	if len(AppendBinaryPayload(nil, nil)) != 0 || BinaryPayloadLen(nil) != 0 {
		t.Fatal("empty binary payload is not empty")
	}
}

// covers: EIOP-29, EIOP-38, EIOP-41 — Buffer(123), "hello", close in one binary payload: flags
// 1, 0, 0, and the close entry does not stop delivery.
func TestBinaryPayloadMixedWithClose(t *testing.T) {
	buf := make([]byte, 123)
	for i := range buf {
		buf[i] = byte(i)
	}
	ps := []Packet{bin(Message, buf...), text(Message, "hello"), {Type: Close}, text(Message, "after")}
	body := AppendBinaryPayload(nil, ps)
	if body[0] != 1 || body[1] != 1 || body[2] != 2 || body[3] != 4 || body[4] != 0xff {
		t.Fatalf("header % x", body[:5])
	}
	if i := 5 + 124; body[i] != 0 {
		t.Fatalf("text entry flag % x", body[i])
	}
	got, err := decodeAllBinary(body)
	if err != nil || !samePackets(got, ps) {
		t.Fatalf("got %s, %v", fmtPackets(got), err)
	}
}

func TestDecodeBinaryPayloadRules(t *testing.T) {
	digits := func(n int, last byte) []byte {
		b := []byte{0}
		for i := 0; i < n-1; i++ {
			b = append(b, 0)
		}
		return append(b, last, 0xff, '4', 'a')
	}
	cases := []struct {
		name    string
		body    []byte
		want    []Packet
		wantErr bool
		errOff  int
	}{
		{"EIOP-22 binary 0x40 without separator", []byte{0x40}, nil, true, 0},
		{"empty body is no packets", []byte{}, nil, false, 0},
		{"311 length digits accepted", digits(311, 2), []Packet{text(Message, "a")}, false, 0},
		{"312 length digits rejected", digits(312, 2), nil, true, 0},
		{"framing error later: nothing delivered", []byte{0, 2, 0xff, '4', 'a', 1, 3}, nil, true, 5},
		{"digit byte above 9", []byte{0, 12, 0xff, '4', 'a'}, nil, true, 1},
		{"no digits", []byte{1, 0xff, 4, 1}, nil, true, 1},
		{"truncated last entry silently shortened", []byte{0, 9, 0xff, '4', 'a'}, []Packet{text(Message, "a")}, false, 0},
		{"bad text entry after delivery", []byte{0, 2, 0xff, '4', 'a', 0, 2, 0xff, '7', 'a', 1, 2, 0xff, 4, 1}, []Packet{text(Message, "a")}, true, 8},
		{"invalid UTF-8 text entry", []byte{0, 2, 0xff, '4', 0xff}, nil, true, 3},
		{"empty text entry is an error", []byte{0, 0, 0xff}, nil, true, 3},
		{"empty binary entry is an unknown packet", []byte{1, 0, 0xff}, []Packet{{Type: Unknown, Data: []byte{}, Binary: true}}, false, 0},
		{"kind byte other than 0 and 1 is binary", []byte{7, 2, 0xff, 4, 9}, []Packet{bin(Message, 9)}, false, 0},
		{"base64 text entry", []byte{0, 6, 0xff, 'b', '4', 'A', 'Q', 'I', 'D'}, []Packet{bin(Message, 1, 2, 3)}, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeAllBinary(c.body)
			if c.wantErr {
				var pe *Error
				if !errors.As(err, &pe) || !errors.Is(err, ErrParse) || pe.Format != "binary payload" {
					t.Fatalf("err = %v, want *Error", err)
				}
				if pe.Offset != c.errOff {
					t.Fatalf("err = %v, want offset %d", err, c.errOff)
				}
			} else if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !samePackets(got, c.want) {
				t.Fatalf("delivered %s\nwant      %s", fmtPackets(got), fmtPackets(c.want))
			}
		})
	}
}

func TestPayloadAllocs(t *testing.T) {
	ps := []Packet{text(Message, "hello"), {Type: Pong}, bin(Message, 1, 2, 3)}
	buf := make([]byte, 0, 256)
	sp := AppendStringPayload(nil, ps[:2])
	bp := AppendBinaryPayload(nil, ps)
	fn := func(Packet) error { return nil }
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendStringPayload(buf[:0], ps)
		buf = AppendBinaryPayload(buf[:0], ps)
		if err := DecodeStringPayload(sp, fn); err != nil {
			t.Fatal(err)
		}
		if err := DecodeBinaryPayload(bp, fn); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("allocs = %v, want 0", allocs)
	}
}
