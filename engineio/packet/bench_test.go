package packet

import (
	"strings"
	"testing"
)

var (
	benchASCII = []Packet{
		text(Message, `2["chat message",{"user":"alice","text":"hello there, how are you today?"}]`),
		{Type: Pong},
		text(Message, `2["typing",{"user":"bob"}]`),
	}
	benchNonASCII = []Packet{
		text(Message, `2["chat message",{"user":"zoë","text":"héllo — 中文 😀 ünïcödé"}]`),
		{Type: Pong},
		text(Message, strings.Repeat("é", 64)),
	}
	benchBinary = []Packet{
		text(Message, `51-["file",{"_placeholder":true,"num":0}]`),
		{Type: Message, Data: make([]byte, 4096), Binary: true},
	}
)

func benchEncodeString(b *testing.B, ps []Packet) {
	buf := make([]byte, 0, StringPayloadLen(ps))
	b.SetBytes(int64(StringPayloadLen(ps)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendStringPayload(buf[:0], ps)
	}
}

func benchDecodeString(b *testing.B, ps []Packet) {
	body := AppendStringPayload(nil, ps)
	var d Decoder
	fn := func(Packet) error { return nil }
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.DecodeStringPayload(body, fn); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeStringPayloadASCII(b *testing.B)    { benchEncodeString(b, benchASCII) }
func BenchmarkEncodeStringPayloadNonASCII(b *testing.B) { benchEncodeString(b, benchNonASCII) }
func BenchmarkDecodeStringPayloadASCII(b *testing.B)    { benchDecodeString(b, benchASCII) }
func BenchmarkDecodeStringPayloadNonASCII(b *testing.B) { benchDecodeString(b, benchNonASCII) }

// Package-level DecodeStringPayload allocates one buffer for non-ASCII bodies.
func BenchmarkDecodeStringPayloadNonASCIIFunc(b *testing.B) {
	body := AppendStringPayload(nil, benchNonASCII)
	fn := func(Packet) error { return nil }
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeStringPayload(body, fn); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeBinaryPayload(b *testing.B) {
	buf := make([]byte, 0, BinaryPayloadLen(benchBinary))
	b.SetBytes(int64(BinaryPayloadLen(benchBinary)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendBinaryPayload(buf[:0], benchBinary)
	}
}

func BenchmarkDecodeBinaryPayload(b *testing.B) {
	body := AppendBinaryPayload(nil, benchBinary)
	fn := func(Packet) error { return nil }
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeBinaryPayload(body, fn); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeText(b *testing.B) {
	in := AppendText(nil, benchASCII[0])
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeText(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendJSONP(b *testing.B) {
	sp := AppendStringPayload(nil, benchNonASCII)
	buf := make([]byte, 0, 2*len(sp))
	b.SetBytes(int64(len(sp)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendJSONP(buf[:0], "3", sp)
	}
}
