package sioclient

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestParseOpen(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Open
		err  bool
	}{
		{
			name: "polling default",
			in:   `0{"sid":"-fyS65uTrvsGnbciAAAA","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":60000}`,
			want: Open{SID: "-fyS65uTrvsGnbciAAAA", Upgrades: []string{"websocket"}, PingInterval: 25 * time.Second, PingTimeout: 60 * time.Second},
		},
		{
			name: "websocket no upgrades",
			in:   `0{"sid":"x","upgrades":[],"pingInterval":100,"pingTimeout":200}`,
			want: Open{SID: "x", Upgrades: []string{}, PingInterval: 100 * time.Millisecond, PingTimeout: 200 * time.Millisecond},
		},
		{name: "not open", in: `40`, err: true},
		{name: "empty", in: ``, err: true},
		{name: "bad json", in: `0{"sid":`, err: true},
		{name: "no sid", in: `0{"upgrades":[],"pingInterval":1,"pingTimeout":1}`, err: true},
		{name: "no ping interval", in: `0{"sid":"a","upgrades":[],"pingTimeout":1}`, err: true},
		{name: "zero ping timeout", in: `0{"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":0}`, err: true},
		{name: "overflowing ping interval", in: `0{"sid":"a","upgrades":[],"pingInterval":9223372036854775807,"pingTimeout":1}`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOpen([]byte(tt.in))
			if tt.err {
				if !errors.Is(err, ErrProtocol) {
					t.Fatalf("ParseOpen(%q) error = %v, want ErrProtocol", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseOpen(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseOpen(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestAppendEvent(t *testing.T) {
	tests := []struct {
		nsp     string
		withAck bool
		id      uint64
		args    string
		want    string
	}{
		{"/", false, 0, `["hi"]`, `42["hi"]`},
		{"", true, 12, `["a"]`, `4212["a"]`},
		{"/chat", false, 0, `["hello",1]`, `42/chat,["hello",1]`},
		{"/chat", true, 0, `["a"]`, `42/chat,0["a"]`},
	}
	for _, tt := range tests {
		got := AppendEvent([]byte("xx"), tt.nsp, tt.withAck, tt.id, []byte(tt.args))
		if string(got) != "xx"+tt.want {
			t.Errorf("AppendEvent(%q, %v, %d, %s) = %q, want %q", tt.nsp, tt.withAck, tt.id, tt.args, got, "xx"+tt.want)
		}
	}
}

func TestConnect(t *testing.T) {
	if got := string(AppendConnect(nil, "/")); got != "40" {
		t.Errorf("AppendConnect(/) = %q", got)
	}
	if got := string(AppendConnect(nil, "/chat")); got != "40/chat" {
		t.Errorf("AppendConnect(/chat) = %q", got)
	}
	tests := []struct {
		pkt, nsp string
		want     bool
	}{
		{"40", "/", true},
		{"40", "", true},
		{"40/chat", "/", false},
		{"40/chat", "/chat", true},
		{"40/chat,", "/chat", true},
		{"40/chatty", "/chat", false},
		{"40", "/chat", false},
		{"41", "/", false},
		{"4", "/", false},
		{"3", "/", false},
	}
	for _, tt := range tests {
		if got := IsConnect([]byte(tt.pkt), tt.nsp); got != tt.want {
			t.Errorf("IsConnect(%q, %q) = %v, want %v", tt.pkt, tt.nsp, got, tt.want)
		}
	}
}

func TestParseAck(t *testing.T) {
	tests := []struct {
		pkt, nsp string
		ok       bool
		id       uint64
		args     string
	}{
		{`435[]`, "/", true, 5, `[]`},
		{`430["héllo😀"]`, "/", true, 0, `["héllo😀"]`},
		{`4312345[1,2]`, "/", true, 12345, `[1,2]`},
		{`43/chat,5[null,"x"]`, "/chat", true, 5, `[null,"x"]`},
		{`43/chat,5[null,"x"]`, "/", false, 0, ""},
		{`435[]`, "/chat", false, 0, ""},
		{`43[]`, "/", false, 0, ""},           // ack without id
		{`435`, "/", false, 0, ""},            // no data
		{`435{}`, "/", false, 0, ""},          // not an array
		{`425[]`, "/", false, 0, ""},          // event, not ack
		{`3`, "/", false, 0, ""},              // pong
		{`43`, "/", false, 0, ""},             // truncated
		{`43/chat5[]`, "/chat", false, 0, ""}, // missing comma
		{`4399999999999999999999[]`, "/", false, 0, ""},
	}
	for _, tt := range tests {
		id, args, ok := ParseAck([]byte(tt.pkt), tt.nsp)
		if ok != tt.ok || id != tt.id || string(args) != tt.args {
			t.Errorf("ParseAck(%q, %q) = %d, %q, %v; want %d, %q, %v", tt.pkt, tt.nsp, id, args, ok, tt.id, tt.args, tt.ok)
		}
	}
}

func TestEventPrefix(t *testing.T) {
	p := EventPrefix("/", "fx")
	if string(p) != `42["fx"` {
		t.Fatalf("EventPrefix = %q", p)
	}
	if got := string(EventPrefix("/chat", "fx")); got != `42/chat,["fx"` {
		t.Fatalf("EventPrefix(/chat) = %q", got)
	}
	tests := []struct {
		pkt  string
		want bool
	}{
		{`42["fx","abc"]`, true},
		{`42["fx"]`, true},
		{`42["fxx","abc"]`, false},
		{`42["fx"`, false},
		{`421["fx","abc"]`, false},
		{`43["fx"]`, false},
	}
	for _, tt := range tests {
		if got := IsEvent([]byte(tt.pkt), p); got != tt.want {
			t.Errorf("IsEvent(%q) = %v, want %v", tt.pkt, got, tt.want)
		}
	}
}

func TestStringPayload(t *testing.T) {
	// Byte-exact examples from engineio-v3.md §5.2.
	tests := []struct {
		pkts []string
		wire []byte
	}{
		{[]string{"4hello"}, []byte("6:4hello")},
		{[]string{"4é"}, []byte{'3', ':', '4', 0xc3, 0x83, 0xc2, 0xa9}},
		{[]string{"4€"}, []byte{'4', ':', '4', 0xc3, 0xa2, 0xc2, 0x82, 0xc2, 0xac}},
		{[]string{"4hi", "b4AQID"}, []byte("3:4hi6:b4AQID")},
		{[]string{"2", `4212["echo","x"]`}, []byte(`1:216:4212["echo","x"]`)},
	}
	for _, tt := range tests {
		var in [][]byte
		for _, p := range tt.pkts {
			in = append(in, []byte(p))
		}
		got := AppendStringPayload(nil, in...)
		if !bytes.Equal(got, tt.wire) {
			t.Errorf("AppendStringPayload(%q) = %x, want %x", tt.pkts, got, tt.wire)
		}
		var back []string
		var scratch []byte
		err := DecodeStringPayload(tt.wire, &scratch, func(pkt []byte) error {
			back = append(back, string(pkt))
			return nil
		})
		if err != nil || !reflect.DeepEqual(back, tt.pkts) {
			t.Errorf("DecodeStringPayload(%x) = %q, %v; want %q", tt.wire, back, err, tt.pkts)
		}
	}
}

func TestDecodeStringPayloadErrors(t *testing.T) {
	for _, in := range []string{"4hello", ":4", "x:4", "9:4hi", "-1:4", "2:4\xc3"} {
		var scratch []byte
		err := DecodeStringPayload([]byte(in), &scratch, func([]byte) error { return nil })
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("DecodeStringPayload(%q) error = %v, want ErrProtocol", in, err)
		}
	}
	stop := errors.New("stop")
	var scratch []byte
	n := 0
	err := DecodeStringPayload([]byte("1:31:3"), &scratch, func([]byte) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("callback error not propagated: %v after %d calls", err, n)
	}
}

func TestDecodeBinaryPayload(t *testing.T) {
	// engineio-v3.md §5.4: "€" text then binary 01 02 03 04; then "40".
	body := []byte{0x00, 0x04, 0xff, '4', 0xe2, 0x82, 0xac, 0x01, 0x05, 0xff, 0x04, 1, 2, 3, 4, 0x00, 0x02, 0xff, '4', '0'}
	type entry struct {
		pkt    string
		binary bool
	}
	var got []entry
	err := DecodeBinaryPayload(body, func(pkt []byte, binary bool) error {
		got = append(got, entry{string(pkt), binary})
		return nil
	})
	want := []entry{{"4€", false}, {"\x04\x01\x02\x03\x04", true}, {"40", false}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeBinaryPayload = %+v, %v; want %+v", got, err, want)
	}
	open := append([]byte{0x00, 0x09, 0x07, 0xff}, bytes.Repeat([]byte("a"), 97)...)
	n := 0
	if err := DecodeBinaryPayload(open, func(pkt []byte, _ bool) error { n = len(pkt); return nil }); err != nil || n != 97 {
		t.Fatalf("97-byte entry: len %d, %v", n, err)
	}
	for _, bad := range [][]byte{
		{0x00},                       // no length
		{0x00, 0x01},                 // no separator
		{0x00, 0xff, '4'},            // empty length
		{0x00, 0x0a, 0xff, '4'},      // digit byte > 9
		{0x00, 0x05, 0xff, '4', '0'}, // truncated entry
		append([]byte{0x00}, bytes.Repeat([]byte{1}, 11)...), // absurd length
	} {
		err := DecodeBinaryPayload(bad, func([]byte, bool) error { return nil })
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("DecodeBinaryPayload(%x) error = %v, want ErrProtocol", bad, err)
		}
	}
}

func FuzzDecodeStringPayload(f *testing.F) {
	f.Add([]byte("6:4hello"))
	f.Add([]byte{'3', ':', '4', 0xc3, 0x83, 0xc2, 0xa9})
	f.Add([]byte("1:31:3"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var scratch []byte
		var pkts [][]byte
		err := DecodeStringPayload(body, &scratch, func(p []byte) error {
			pkts = append(pkts, append([]byte(nil), p...))
			return nil
		})
		if err != nil {
			return
		}
		// Whatever decodes must survive encode + decode unchanged (the
		// wire form itself may differ: "00:" and "0:" are the same).
		re := AppendStringPayload(nil, pkts...)
		var again [][]byte
		if err := DecodeStringPayload(re, &scratch, func(p []byte) error {
			again = append(again, append([]byte(nil), p...))
			return nil
		}); err != nil {
			t.Fatalf("re-encoded %x does not decode: %v", re, err)
		}
		if len(again) != len(pkts) {
			t.Fatalf("round trip %x -> %q -> %x -> %q", body, pkts, re, again)
		}
		for i := range pkts {
			if !bytes.Equal(again[i], pkts[i]) {
				t.Fatalf("round trip %x -> %q -> %x -> %q", body, pkts, re, again)
			}
		}
	})
}

func FuzzParseAck(f *testing.F) {
	f.Add([]byte(`435[]`), "/")
	f.Add([]byte(`43/chat,5[null]`), "/chat")
	f.Fuzz(func(t *testing.T, pkt []byte, nsp string) {
		id, args, ok := ParseAck(pkt, nsp)
		if !ok {
			return
		}
		if len(args) == 0 || args[0] != '[' {
			t.Fatalf("ParseAck(%q) ok with args %q", pkt, args)
		}
		// Re-encoding as an ack must give back the same packet for
		// canonical input (no leading zeros).
		_ = id
	})
}

func FuzzDecodeBinaryPayload(f *testing.F) {
	f.Add([]byte{0x00, 0x02, 0xff, '4', '0'})
	f.Add([]byte{0x01, 0x04, 0xff, 0x04, 1, 2, 3})
	f.Fuzz(func(t *testing.T, body []byte) {
		total := 0
		err := DecodeBinaryPayload(body, func(p []byte, _ bool) error {
			total += len(p)
			return nil
		})
		if err == nil && total > len(body) {
			t.Fatalf("entries longer than the body: %d > %d", total, len(body))
		}
	})
}

func FuzzParseOpen(f *testing.F) {
	f.Add([]byte(`0{"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":1}`))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		o, err := ParseOpen(pkt)
		if err == nil && (o.SID == "" || o.PingInterval <= 0 || o.PingTimeout <= 0) {
			t.Fatalf("ParseOpen(%q) accepted %+v", pkt, o)
		}
	})
}
