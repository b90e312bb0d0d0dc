package packet_test

import (
	"fmt"

	"github.com/fastsio/fastsio/engineio/packet"
)

// A GET response for a b64 session: note the byte length 3 of "é" and the
// double-encoded body.
func ExampleAppendStringPayload() {
	body := packet.AppendStringPayload(nil, []packet.Packet{
		{Type: packet.Message, Data: []byte("é")},
		{Type: packet.Message, Data: []byte{1, 2, 3}, Binary: true},
	})
	fmt.Printf("%q\n% x\n", body, body)
	// Output:
	// "3:4Ã©6:b4AQID"
	// 33 3a 34 c3 83 c2 a9 36 3a 62 34 41 51 49 44
}

// A polling POST body of a Node.js client.
func ExampleDecodeStringPayload() {
	body := []byte("7:4h\xc3\x83\xc2\xa9llo1:2")
	err := packet.DecodeStringPayload(body, func(p packet.Packet) error {
		fmt.Printf("%v %q\n", p.Type, p.Data)
		return nil
	})
	fmt.Println(err)
	// Output:
	// message "héllo"
	// ping ""
	// <nil>
}

// A GET response for a session without b64: always a binary payload.
func ExampleAppendBinaryPayload() {
	body := packet.AppendBinaryPayload(nil, []packet.Packet{
		{Type: packet.Message, Data: []byte("hi")},
		{Type: packet.Message, Data: []byte{1, 2, 3}, Binary: true},
	})
	fmt.Printf("% x\n", body)
	// Output: 00 03 ff 34 68 69 01 04 ff 04 01 02 03
}

func ExampleDecodeBinaryPayload() {
	body := []byte{0x00, 0x02, 0xff, '4', '0', 0x01, 0x04, 0xff, 0x04, 1, 2, 3}
	_ = packet.DecodeBinaryPayload(body, func(p packet.Packet) error {
		fmt.Printf("%v binary=%v % x\n", p.Type, p.Binary, p.Data)
		return nil
	})
	// Output:
	// message binary=false 30
	// message binary=true 01 02 03
}

// WebSocket frames carry single packets.
func ExampleDecodeText() {
	for _, frame := range []string{"2probe", "4", "b4AQID", "x"} {
		p, err := packet.DecodeText([]byte(frame))
		fmt.Println(p.Type, p.Binary, p.Data, err)
	}
	// Output:
	// ping false [112 114 111 98 101] <nil>
	// message false [] <nil>
	// message true [1 2 3] <nil>
	// open false [] packet: parse error in text packet at offset 0: invalid packet type 'x'
}

func ExampleAppendJSONP() {
	sp := packet.AppendStringPayload(nil, []packet.Packet{{Type: packet.Message, Data: []byte(`"hi"`)}})
	fmt.Printf("%s\n", packet.AppendJSONP(nil, "3", sp))
	// Output: ___eio[3]("5:4\"hi\"");
}

// A JSONP POST: the form field d, with the client's newline escaping undone.
func ExampleDecodeJSONPForm() {
	sp, _ := packet.DecodeJSONPForm([]byte(`d=6%3A4a%5Cnb%5C%5Cn`))
	fmt.Printf("%q\n", sp)
	_ = packet.DecodeStringPayload(sp, func(p packet.Packet) error {
		fmt.Printf("%q\n", p.Data)
		return nil
	})
	// Output:
	// "6:4a\nb\\n"
	// "a\nb\\n"
}
