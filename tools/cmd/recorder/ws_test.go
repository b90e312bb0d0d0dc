package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// frame builds one websocket frame; a non-nil key masks the payload.
func frame(fin, rsv1 bool, opcode byte, payload []byte, key []byte) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	if rsv1 {
		b0 |= 0x40
	}
	out := []byte{b0}
	var m byte
	if key != nil {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		out = append(out, m|byte(n))
	case n < 1<<16:
		out = append(out, m|126, byte(n>>8), byte(n))
	default:
		out = append(out, m|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	p := append([]byte(nil), payload...)
	if key != nil {
		out = append(out, key...)
		for i := range p {
			p[i] ^= key[i&3]
		}
	}
	return append(out, p...)
}

var key = []byte{0x12, 0x34, 0x56, 0x78}

func readAll(t *testing.T, stream []byte, a *wsAssembler) []*wsMessage {
	t.Helper()
	br := bufio.NewReaderSize(bytes.NewReader(stream), 16)
	var msgs []*wsMessage
	var raw []byte
	for {
		f, err := readFrame(br, 1<<20)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, f.raw...)
		m, err := a.add(f)
		if err != nil {
			t.Fatal(err)
		}
		if m != nil {
			msgs = append(msgs, m)
		}
	}
	if !bytes.Equal(raw, stream) {
		t.Error("raw frame bytes do not reproduce the stream")
	}
	return msgs
}

func TestFragmentedMessageWithInterleavedPing(t *testing.T) {
	// "2pro" + ping + "be" (continuation, fin) + a 300-byte binary frame
	// (16-bit length) + close 1000 — all masked as a client sends them.
	big := bytes.Repeat([]byte{0xAB}, 300)
	var s []byte
	s = append(s, frame(false, false, 1, []byte("2pro"), key)...)
	s = append(s, frame(true, false, 9, []byte("hb"), key)...)
	s = append(s, frame(true, false, 0, []byte("be"), key)...)
	s = append(s, frame(true, false, 2, big, key)...)
	s = append(s, frame(true, false, 8, []byte{0x03, 0xe8}, key)...)
	msgs := readAll(t, s, &wsAssembler{maxMessage: 1 << 20})
	want := []wsMessage{{opcode: 9, data: []byte("hb")}, {opcode: 1, data: []byte("2probe")}, {opcode: 2, data: big}, {opcode: 8, data: []byte{3, 0xe8}}}
	if len(msgs) != len(want) {
		t.Fatalf("got %d messages, want %d", len(msgs), len(want))
	}
	for i, w := range want {
		if msgs[i].opcode != w.opcode || !bytes.Equal(msgs[i].data, w.data) || msgs[i].compressed {
			t.Errorf("message %d: opcode %d data %q, want %d %q", i, msgs[i].opcode, msgs[i].data, w.opcode, w.data)
		}
	}
}

func TestLargeUnmaskedFrame(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 70000) // 64-bit length
	msgs := readAll(t, frame(true, false, 1, big, nil), &wsAssembler{maxMessage: 1 << 20})
	if len(msgs) != 1 || !bytes.Equal(msgs[0].data, big) {
		t.Fatalf("got %d messages", len(msgs))
	}
}

// deflateMessages compresses messages as one permessage-deflate stream with
// context takeover: sync flush after each, trailing 00 00 ff ff removed.
func deflateMessages(t *testing.T, msgs ...[]byte) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, m := range msgs {
		buf.Reset()
		if _, err := w.Write(m); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		b := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
		out = append(out, append([]byte(nil), b...))
	}
	return out
}

func TestPermessageDeflateContextTakeover(t *testing.T) {
	m1 := bytes.Repeat([]byte("4héllo😀中€ abcdefghij "), 200)
	m2 := append([]byte("4"), m1[1:2000]...) // mostly back-references into m1
	c := deflateMessages(t, m1, m2)
	if len(c[1]) > 100 {
		t.Fatalf("second message (%d bytes) does not reference the first; test is not testing takeover", len(c[1]))
	}
	// The second compressed message is split over two frames.
	var s []byte
	s = append(s, frame(true, true, 1, c[0], key)...)
	s = append(s, frame(false, true, 1, c[1][:5], key)...)
	s = append(s, frame(true, false, 0, c[1][5:], key)...)
	s = append(s, frame(true, false, 1, []byte("4plain"), key)...)
	msgs := readAll(t, s, &wsAssembler{maxMessage: 1 << 20, inflater: &inflater{}})
	if len(msgs) != 3 {
		t.Fatalf("got %d messages", len(msgs))
	}
	if !bytes.Equal(msgs[0].data, m1) || !msgs[0].compressed {
		t.Errorf("first message not inflated correctly")
	}
	if !bytes.Equal(msgs[1].data, m2) || !msgs[1].compressed {
		t.Errorf("second message (context takeover) not inflated correctly: %q", msgs[1].data)
	}
	if string(msgs[2].data) != "4plain" || msgs[2].compressed {
		t.Errorf("uncompressed message: %q compressed=%v", msgs[2].data, msgs[2].compressed)
	}
}

func TestWebSocketErrors(t *testing.T) {
	tests := []struct {
		name   string
		stream []byte
		a      *wsAssembler
	}{
		{"continuation without start", frame(true, false, 0, []byte("x"), nil), &wsAssembler{maxMessage: 100}},
		{"RSV1 without deflate", frame(true, true, 1, []byte("x"), nil), &wsAssembler{maxMessage: 100}},
		{"reserved opcode", frame(true, false, 3, []byte("x"), nil), &wsAssembler{maxMessage: 100}},
		{"message over limit", frame(true, false, 1, make([]byte, 101), nil), &wsAssembler{maxMessage: 100}},
		{"bad deflate data", frame(true, true, 1, []byte{0xff, 0xff, 0xff}, nil), &wsAssembler{maxMessage: 100, inflater: &inflater{}}},
		{"new data frame inside message", append(frame(false, false, 1, []byte("a"), nil), frame(true, false, 1, []byte("b"), nil)...), &wsAssembler{maxMessage: 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			br := bufio.NewReader(bytes.NewReader(tc.stream))
			for {
				f, err := readFrame(br, 1<<20)
				if err != nil {
					t.Fatalf("frame error %v before the expected assembler error", err)
				}
				if _, err := tc.a.add(f); err != nil {
					if !errors.Is(err, errWebSocket) {
						t.Errorf("error %v does not wrap errWebSocket", err)
					}
					return
				}
			}
		})
	}
	// framing errors
	for _, s := range [][]byte{
		{0x89, 0x7e, 0x00, 0x80}, // control frame with 16-bit length
		{0x09, 0x01, 'x'},        // fragmented control frame
		{0x81, 0x05, 'a', 'b'},   // truncated payload
		{0x81},                   // truncated header
		{0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // absurd length
	} {
		_, err := readFrame(bufio.NewReader(bytes.NewReader(s)), 1<<20)
		if err == nil || err == io.EOF || !errors.Is(err, errWebSocket) {
			t.Errorf("% x: err %v, want a websocket protocol error", s, err)
		}
	}
}

func TestParseDeflate(t *testing.T) {
	m := &httpMessage{headers: [][2]string{{"Sec-WebSocket-Extensions", "permessage-deflate; server_no_context_takeover; client_max_window_bits=10"}}}
	p := parseDeflate(m)
	if !p.enabled || !p.serverNoContextTakeover || p.clientNoContextTakeover {
		t.Errorf("parsed %+v", p)
	}
	if parseDeflate(&httpMessage{}).enabled {
		t.Error("enabled without the header")
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add(frame(true, false, 1, []byte("4hello"), key), false)
	f.Add(frame(false, true, 2, []byte{1, 2, 3}, nil), true)
	f.Fuzz(func(t *testing.T, b []byte, deflate bool) {
		br := bufio.NewReader(bytes.NewReader(b))
		a := &wsAssembler{maxMessage: 1 << 16}
		if deflate {
			a.inflater = &inflater{}
		}
		for i := 0; i < 100; i++ {
			fr, err := readFrame(br, 1<<16)
			if err != nil {
				return
			}
			if _, err := a.add(fr); err != nil {
				return
			}
		}
	})
}
