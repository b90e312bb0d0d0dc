package engineio

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"testing"
	"time"
)

// TestWebSocketFrames checks the frames the engine builds itself (no
// permessage-deflate): opcode, length encodings at their boundaries, the
// engine.io type prefix, b64 sessions' text form of binary, and the
// per-message choice when the extension is negotiated.
func TestWebSocketFrames(t *testing.T) {
	// covers: EIO-MSG-05, EIO-MSG-08, EIO-PMD-02
	const offer = "Sec-WebSocket-Extensions: permessage-deflate\r\n"
	type msg struct {
		n      int // payload bytes of the frame (packet type included)
		binary bool
	}
	sizes := []msg{{1, false}, {125, false}, {126, false}, {65535, false}, {65536, false},
		{1, true}, {125, true}, {126, true}, {65535, true}, {65536, true}}
	tests := []struct {
		name  string
		query string
		extra string
		opts  *Options
	}{
		{"binary frames", "EIO=3&transport=websocket", "", nil},
		{"b64", "EIO=3&transport=websocket&b64=1", "", nil},
		{"deflate offered, below threshold or NoCompress", "EIO=3&transport=websocket", offer,
			&Options{PerMessageDeflate: &CompressionOptions{Threshold: 70000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := start(t, tt.opts, nil)
			w, _ := ts.dialRaw(tt.query, tt.extra)
			s := ts.sock("connection")
			if f := w.mustRead(); f.op != 1 || f.rsv1 || !bytes.HasPrefix(f.data, []byte(`0{"sid":`)) {
				t.Fatalf("open frame op %d rsv1 %v %q", f.op, f.rsv1, f.data)
			}
			for i, m := range sizes {
				data := bytes.Repeat([]byte{byte('a' + i)}, m.n-1)
				if err := s.Send([]Message{{Data: data, Binary: m.binary}}, SendOptions{NoCompress: i%2 == 1}); err != nil {
					t.Fatal(err)
				}
				f := w.mustRead()
				wantOp, want := byte(1), append([]byte("4"), data...)
				switch {
				case m.binary && tt.query == "EIO=3&transport=websocket&b64=1":
					want = append([]byte("b4"), base64.StdEncoding.EncodeToString(data)...)
				case m.binary:
					wantOp, want = 2, append([]byte{4}, data...)
				}
				if !f.fin || f.rsv1 || f.op != wantOp || !bytes.Equal(f.data, want) {
					t.Fatalf("%+v: frame fin %v rsv1 %v op %d, %d bytes; want op %d, %d bytes",
						m, f.fin, f.rsv1, f.op, len(f.data), wantOp, len(want))
				}
			}
			// A ping's pong, and many queued messages, arrive in order.
			w.write(1, []byte("2"))
			if f := w.mustRead(); string(f.data) != "3" {
				t.Fatalf("pong: %q", f.data)
			}
			for i := range 50 {
				_ = s.Send(text(fmt.Sprint(i)), SendOptions{})
			}
			for i := range 50 {
				if f := w.mustRead(); string(f.data) != fmt.Sprint("4", i) {
					t.Fatalf("message %d: %q", i, f.data)
				}
			}
		})
	}
}

// TestBatchHoldLimit: a session holding batchHoldBytes is written without
// waiting for the batch's Flush or delay.
func TestBatchHoldLimit(t *testing.T) {
	// covers: EIO-MSG-15
	ts := start(t, nil, nil)
	c, _ := ts.openWS("")
	s := ts.sock("connection")
	for s.flushingNow() {
		time.Sleep(time.Millisecond)
	}
	bt := NewBatch(nil, time.Hour)
	defer bt.Flush()
	small := bytes.Repeat([]byte("s"), 100)
	if err := s.Send([]Message{{Data: small}}, SendOptions{Batch: bt}); err != nil {
		t.Fatal(err)
	}
	if !s.heldBy(bt) {
		t.Fatal("session not held")
	}
	big := bytes.Repeat([]byte("b"), batchHoldBytes)
	if err := s.Send([]Message{{Data: big}}, SendOptions{Batch: bt}); err != nil {
		t.Fatal(err)
	}
	if got := readWSText(t, c); got != "4"+string(small) {
		t.Fatalf("got %d bytes", len(got))
	}
	if got := readWSText(t, c); got != "4"+string(big) {
		t.Fatalf("got %d bytes", len(got))
	}
}
