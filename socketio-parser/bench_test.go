package parser

import (
	"bytes"
	"encoding/json"
	"testing"
)

type chatMsg struct {
	User string   `json:"user"`
	Text string   `json:"text"`
	TS   int64    `json:"ts"`
	Tags []string `json:"tags"`
	Pos  float64  `json:"pos"`
}

var benchMsg = chatMsg{User: "alice", Text: "hello <world> & all of you, how are things?", TS: 1700000000123, Tags: []string{"a", "b"}, Pos: 0.25}

type fileMsg struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
	Meta struct {
		Thumb []byte `json:"thumb"`
		Size  int    `json:"size"`
	} `json:"meta"`
}

var benchFile = func() fileMsg {
	var f fileMsg
	f.Name = "photo.jpg"
	f.Data = bytes.Repeat([]byte{0xab}, 4096)
	f.Meta.Thumb = bytes.Repeat([]byte{0xcd}, 256)
	f.Meta.Size = 4096
	return f
}()

// BenchmarkEncodeEvent: ["chat",{...},"x",42] to header text, reusing the
// buffer, as a server emitting to one socket does.
func BenchmarkEncodeEvent(b *testing.B) {
	b.ReportAllocs()
	args := []any{benchMsg, "x", 42}
	var buf, data []byte
	var atts [][]byte
	for b.Loop() {
		var err error
		data, atts, err = AppendEventData(data[:0], atts[:0], "chat", args)
		if err != nil {
			b.Fatal(err)
		}
		p := Packet{Type: Event, Namespace: "/chat", Data: data}
		buf = AppendPacket(buf[:0], &p)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkEncodeEventStdlib is the encoding/json baseline for the same
// data (not byte-identical to JSON.stringify: it escapes U+2028/2029,
// writes -0, and cannot make placeholders).
func BenchmarkEncodeEventStdlib(b *testing.B) {
	b.ReportAllocs()
	args := []any{"chat", benchMsg, "x", 42}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		buf.WriteString("2/chat,")
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(args); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

func BenchmarkEncodeBinaryEvent(b *testing.B) {
	b.ReportAllocs()
	args := []any{benchFile}
	var buf, data []byte
	var atts [][]byte
	for b.Loop() {
		var err error
		data, atts, err = AppendEventData(data[:0], atts[:0], "upload", args)
		if err != nil {
			b.Fatal(err)
		}
		p := Packet{Type: BinaryEvent, Namespace: "/", Data: data, Attachments: atts}
		buf = AppendPacket(buf[:0], &p)
	}
	if len(atts) != 2 {
		b.Fatal(len(atts))
	}
}

var benchEventText = func() []byte {
	p, _ := NewEvent("/chat", "chat", benchMsg, "x", 42)
	p.ID, p.HasID = 17, true
	return AppendPacket(nil, &p)
}()

func BenchmarkDecodeEvent(b *testing.B) {
	b.ReportAllocs()
	d, _ := NewDecoder(nil)
	b.SetBytes(int64(len(benchEventText)))
	for b.Loop() {
		if _, ok, err := d.Add(benchEventText, false); !ok || err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeArgsStruct(b *testing.B) {
	b.ReportAllocs()
	d, _ := NewDecoder(nil)
	b.SetBytes(int64(len(benchEventText)))
	for b.Loop() {
		p, ok, err := d.Add(benchEventText, false)
		if !ok || err != nil {
			b.Fatal(err)
		}
		name, args, err := p.EventArgs()
		if err != nil || name != "chat" {
			b.Fatal(err)
		}
		var m chatMsg
		if err := args.Decode(0, &m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeEventStdlib: the encoding/json way to validate and split
// the same data (json.Unmarshal into []json.RawMessage), for comparison with
// BenchmarkDecodeEvent + EventArgs.
func BenchmarkDecodeEventStdlib(b *testing.B) {
	b.ReportAllocs()
	data := benchEventText[len("2/chat,17"):]
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var parts []json.RawMessage
		if err := json.Unmarshal(data, &parts); err != nil {
			b.Fatal(err)
		}
		var name string
		if err := json.Unmarshal(parts[0], &name); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScan(b *testing.B) {
	b.ReportAllocs()
	data := benchEventText[len("2/chat,17"):]
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s := scanner{data: data, maxDepth: DefaultMaxDepth, natt: -1}
		if _, ok := s.scan(); !ok {
			b.Fatal(s.err)
		}
	}
}

func BenchmarkScanStdlibValid(b *testing.B) {
	b.ReportAllocs()
	data := benchEventText[len("2/chat,17"):]
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if !json.Valid(data) {
			b.Fatal()
		}
	}
}

var benchFilePacket = func() Packet {
	p, _ := NewEvent("/", "upload", benchFile)
	return p
}()

// BenchmarkArgsDecodeBinary decodes a struct with two []byte fields from a
// binary event: placeholder-free subtrees go to encoding/json, the paths to
// placeholders are walked (the chosen approach).
func BenchmarkArgsDecodeBinary(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, args, err := benchFilePacket.EventArgs()
		if err != nil {
			b.Fatal(err)
		}
		var f fileMsg
		if err := args.Decode(0, &f); err != nil || len(f.Data) != 4096 {
			b.Fatal(err)
		}
	}
}

// BenchmarkArgsDecodeBinaryBase64 is the rejected alternative: replace
// placeholders with base64 strings and let encoding/json decode them into
// []byte.
func BenchmarkArgsDecodeBinaryBase64(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, args, err := benchFilePacket.EventArgs()
		if err != nil {
			b.Fatal(err)
		}
		tb := treeBuilder{data: args.data, natt: len(args.atts)}
		n := tb.node(args.spans[0].start)
		text := args.appendSubstituted(nil, &n)
		var f fileMsg
		if err := json.Unmarshal(text, &f); err != nil || len(f.Data) != 4096 {
			b.Fatal(err)
		}
	}
}
