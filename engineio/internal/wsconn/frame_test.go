package wsconn

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestAppendFrameHeader(t *testing.T) {
	tests := []struct {
		op   byte
		n    int
		want []byte
	}{
		{OpText, 0, []byte{0x81, 0}},
		{OpText, 125, []byte{0x81, 125}},
		{OpBinary, 126, []byte{0x82, 126, 0, 126}},
		{OpText, 65535, []byte{0x81, 126, 0xff, 0xff}},
		{OpBinary, 65536, []byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	}
	for _, tt := range tests {
		if got := AppendFrameHeader([]byte("x"), tt.op, tt.n); !bytes.Equal(got, append([]byte("x"), tt.want...)) {
			t.Errorf("op %d, %d bytes: % x, want % x", tt.op, tt.n, got[1:], tt.want)
		}
	}
}

func TestWriteFrame(t *testing.T) {
	for _, n := range []int{0, 1, 124, 125, 126, 65534, 65535, 65536, 70000} {
		for _, corked := range []bool{true, false} {
			cc := &countConn{}
			c := NewConn(cc)
			if corked {
				c.Cork()
			}
			data := bytes.Repeat([]byte{'d'}, max(n-1, 0))
			prefix := []byte("4")
			if n == 0 {
				prefix = nil
			}
			if err := c.WriteFrame(OpText, prefix, data); err != nil {
				t.Fatal(err)
			}
			if err := c.Uncork(); err != nil {
				t.Fatal(err)
			}
			got := bytes.Join(cc.writes, nil)
			want := append(AppendFrameHeader(nil, OpText, n), prefix...)
			want = append(want, data...)
			if !bytes.Equal(got, want) {
				t.Errorf("%d bytes, corked=%v: wrote %d bytes (% x...), want %d", n, corked, len(got), got[:min(len(got), 12)], len(want))
			}
		}
	}
	// Corked frames and other writes keep their order.
	cc := &countConn{}
	c := NewConn(cc)
	c.Cork()
	_ = c.WriteFrame(OpText, []byte("4"), []byte("a"))
	_, _ = c.Write([]byte{0x89, 0}) // a ping as gorilla writes it
	_ = c.WriteFrame(OpBinary, []byte{4}, []byte{1, 2})
	_ = c.Uncork()
	if got, want := bytes.Join(cc.writes, nil), []byte{0x81, 2, '4', 'a', 0x89, 0, 0x82, 3, 4, 1, 2}; !bytes.Equal(got, want) {
		t.Fatalf("wrote % x, want % x", got, want)
	}
	if len(cc.writes) != 1 {
		t.Fatalf("%d writes, want 1", len(cc.writes))
	}
}

// TestWriteFrameAfterClose: no data frame follows a close frame written
// through Write (gorilla's WriteControl), while a library message's
// payload that happens to look like one does not count.
func TestWriteFrameAfterClose(t *testing.T) {
	cc := &countConn{}
	c := NewConn(cc)
	c.LibraryMessage(true)
	_, _ = c.Write([]byte{0x88, 2, 3, 232}) // payload chunk of a message
	c.LibraryMessage(false)
	if err := c.WriteFrame(OpText, []byte("4"), nil); err != nil {
		t.Fatalf("after a look-alike payload chunk: %v", err)
	}
	_, _ = c.Write([]byte{0x88, 2, 3, 232}) // close 1000
	if err := c.WriteFrame(OpText, []byte("4"), nil); !errors.Is(err, ErrCloseSent) {
		t.Fatalf("after a close frame: %v, want ErrCloseSent", err)
	}
}

// TestWriteFrameDeadline: a write deadline left by a control frame is
// cleared before a frame (as gorilla does per message frame), Expire's is
// not.
func TestWriteFrameDeadline(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := b.Read(buf); err != nil {
				return
			}
		}
	}()
	c := NewConn(a)
	_ = c.SetWriteDeadline(time.Now().Add(-time.Second)) // e.g. an old pong's
	if err := c.WriteFrame(OpText, []byte("4"), []byte("x")); err != nil {
		t.Fatalf("stale deadline not cleared: %v", err)
	}
	c.Expire(time.Now().Add(-time.Second))
	if err := c.WriteFrame(OpText, []byte("4"), []byte("x")); err == nil {
		t.Fatal("write succeeded past the Expire deadline")
	}
}

func TestOffersDeflate(t *testing.T) {
	tests := []struct {
		ext  []string
		want bool
	}{
		{nil, false},
		{[]string{"permessage-deflate; client_max_window_bits"}, true},
		{[]string{"x-webkit-deflate-frame", "Permessage-Deflate"}, true},
		{[]string{"x-webkit-deflate-frame"}, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.ext {
			h.Add("Sec-WebSocket-Extensions", v)
		}
		if got := offersDeflate(h); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.ext, got, tt.want)
		}
	}
}
