package parser_test

import (
	"errors"
	"fmt"
	"log"

	parser "github.com/fastsio/fastsio/socketio-parser"
)

// A server emitting an event with binary data: one text message, then one
// binary engine.io message per attachment.
func ExampleNewEvent() {
	p, err := parser.NewEvent("/chat", "file", "a.txt", []byte("hi"))
	if err != nil {
		log.Fatal(err)
	}
	header, attachments := parser.Encode(&p)
	fmt.Printf("%v %s\n", p.Type, header)
	fmt.Printf("%q\n", attachments)
	// Output:
	// BINARY_EVENT 51-/chat,["file","a.txt",{"_placeholder":true,"num":0}]
	// ["hi"]
}

// Appending into a reused buffer: no allocations once the buffers are big
// enough.
func ExampleAppendPacket() {
	var data, buf []byte
	var atts [][]byte
	for i := range 2 {
		data, atts, _ = parser.AppendEventData(data[:0], atts[:0], "tick", []any{i})
		p := parser.Packet{Type: parser.Event, Namespace: "/", ID: uint64(i), HasID: true, Data: data}
		buf = parser.AppendPacket(buf[:0], &p)
		fmt.Printf("%s\n", buf)
	}
	// Output:
	// 20["tick",0]
	// 21["tick",1]
}

// JSON.stringify-compatible output; Object keeps key order the way a
// JavaScript object literal does.
func ExampleAppendJSON() {
	v := parser.Object{{Key: "b", Value: []byte{1}}, {Key: "2", Value: "<&>"}, {Key: "n", Value: 1e21}}
	data, atts, _ := parser.AppendJSON(nil, nil, v)
	fmt.Printf("%s %v\n", data, atts)
	// Output:
	// {"2":"<&>","b":{"_placeholder":true,"num":0},"n":1e+21} [[1]]
}

// A connection's reader feeds every engine.io message to its Decoder.
func ExampleDecoder() {
	d, err := parser.NewDecoder(nil) // default limits
	if err != nil {
		log.Fatal(err)
	}
	messages := []struct {
		data   string
		binary bool
	}{
		{`40/chat?token=abc`, false}, // engine.io "4" already stripped below
		{`51-/chat,7["up",{"_placeholder":true,"num":0}]`, false},
		{"\x01\x02", true},
		{`2[bad`, false},
		{`5x-[]`, false},
	}
	for _, m := range messages {
		data := []byte(m.data)
		if !m.binary && data[0] == '4' {
			data = data[1:]
		}
		p, ok, err := d.Add(data, m.binary)
		switch {
		case parser.IsFatal(err):
			fmt.Println("client error:", errors.Is(err, parser.ErrIllegalAttachments))
		case err != nil:
			fmt.Println("dropped:", err)
		case ok:
			path, query := parser.SplitNamespace(p.Namespace)
			fmt.Println(p.Type, path, query, p.HasID, p.ID, len(p.Attachments))
		default:
			fmt.Println("waiting for attachments")
		}
	}
	// Output:
	// CONNECT /chat token=abc false 0 0
	// waiting for attachments
	// BINARY_EVENT /chat  true 7 1
	// dropped: parser: decode at offset 2: invalid character 'b' in JSON value
	// client error: true
}

// Reading event arguments into Go values; attachments land in []byte.
func ExampleArgs_Decode() {
	d, _ := parser.NewDecoder(nil)
	d.Add([]byte(`52-["upload",{"name":"a.png","data":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]`), false)
	d.Add([]byte{0x89, 'P'}, true)
	p, _, _ := d.Add([]byte("x"), true)

	name, args, err := p.EventArgs()
	if err != nil {
		log.Fatal(err)
	}
	var file struct {
		Name string `json:"name"`
		Data []byte `json:"data"`
	}
	if err := args.Decode(0, &file); err != nil {
		log.Fatal(err)
	}
	second, _ := args.Any(1)
	fmt.Println(name, args.Len(), file.Name, file.Data, second, string(args.Raw(1)))
	// Output:
	// upload 2 a.png [137 80] [120] {"_placeholder":true,"num":1}
}

func ExampleSplitNamespace() {
	path, query := parser.SplitNamespace("/chat?token=a%26b")
	fmt.Println(path, query)
	// Output:
	// /chat token=a%26b
}
