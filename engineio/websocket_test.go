package engineio

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"
)

// covers: EIO-MSG-05, EIO-MSG-08, EIO-MSG-09, EIO-MSG-10, EIO-MSG-11, SUP-13, SUP-14, SUP-15
func TestWebSocketMessages(t *testing.T) {
	ts := start(t, nil, echo)
	t.Run("EIO-MSG-05 server text", func(t *testing.T) {
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		_ = s.Send(text("a"), SendOptions{})
		if got := readWSText(t, c); got != "4a" {
			t.Errorf("frame %q", got)
		}
	})
	t.Run("EIO-MSG-08..11 binary round trip", func(t *testing.T) {
		c, _ := ts.openWS("")
		ts.sock("connection")
		for _, data := range [][]byte{{0, 1, 2, 3, 4}, {1, 0, 0, 0, 2, 0, 0, 0}, {0xff, 0xfe}} {
			if err := c.WriteMessage(websocket.BinaryMessage, append([]byte{4}, data...)); err != nil {
				t.Fatal(err)
			}
			mt, b := readWS(t, c)
			if mt != websocket.BinaryMessage || !bytes.Equal(b, append([]byte{4}, data...)) {
				t.Errorf("echo type %d % x", mt, b)
			}
		}
	})
	t.Run("text with astral unicode", func(t *testing.T) {
		c, _ := ts.openWS("")
		ts.sock("connection")
		writeWS(t, c, websocket.TextMessage, "4héllo😀中€")
		if got := readWSText(t, c); got != "4héllo😀中€" {
			t.Errorf("echo %q", got)
		}
	})
	t.Run("SUP-13 b64 websocket", func(t *testing.T) {
		c, _ := ts.openWS("&b64=1")
		ts.sock("connection")
		if err := c.WriteMessage(websocket.BinaryMessage, []byte{4, 1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		if got := readWSText(t, c); got != "b4AQID" {
			t.Errorf("echo %q", got)
		}
		writeWS(t, c, websocket.TextMessage, "b4AQIDBA==") // base64 from the client
		if got := readWSText(t, c); got != "b4AQIDBA==" {
			t.Errorf("echo %q", got)
		}
	})
	t.Run("SUP-15 pong without data", func(t *testing.T) {
		c, _ := ts.openWS("")
		ts.sock("connection")
		for _, ping := range []string{"2", "2probe", "2abc"} {
			writeWS(t, c, websocket.TextMessage, ping)
			if got := readWSText(t, c); got != "3" {
				t.Errorf("%q answered %q", ping, got)
			}
		}
	})
	t.Run("SUP-14 close packet ignored, 5 and 6 ignored", func(t *testing.T) {
		c, _ := ts.openWS("")
		ts.sock("connection")
		for _, p := range []string{"1", "5", "6", "0", "3"} {
			writeWS(t, c, websocket.TextMessage, p)
		}
		if err := c.WriteMessage(websocket.BinaryMessage, []byte{9, 1}); err != nil { // unknown type
			t.Fatal(err)
		}
		writeWS(t, c, websocket.TextMessage, "4still")
		if got := readWSText(t, c); got != "4still" {
			t.Errorf("echo %q", got)
		}
	})
	t.Run("message without data", func(t *testing.T) {
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		_ = s.Send([]Message{{}}, SendOptions{})
		if got := readWSText(t, c); got != "4" {
			t.Errorf("frame %q", got)
		}
	})
}

// covers: SUP-14, EIO-CL-27, SUP-28, EIO-CL-11
func TestWebSocketCloses(t *testing.T) {
	ts := start(t, &Options{MaxHTTPBufferSize: 20}, nil)
	tests := []struct {
		name   string
		mt     int
		data   string
		reason string
	}{
		{"SUP-14 empty text frame", websocket.TextMessage, "", ReasonParseError},
		{"EIO-CL-27 invalid", websocket.TextMessage, "invalid", ReasonParseError},
		{"x", websocket.TextMessage, "x", ReasonParseError},
		{"SUP-28 message of maxHttpBufferSize", websocket.TextMessage, "4" + strings.Repeat("a", 19), ReasonTransportError},
		{"invalid UTF-8", websocket.TextMessage, "4\xff", ReasonTransportError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := ts.openWS("")
			ts.sock("connection")
			writeWS(t, c, tt.mt, tt.data)
			if ev := ts.closed("close"); ev.reason != tt.reason {
				t.Errorf("reason %q, want %q", ev.reason, tt.reason)
			}
			wsClosed(t, c)
		})
	}
	t.Run("below the limit passes", func(t *testing.T) {
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		col := newCollector(s)
		writeWS(t, c, websocket.TextMessage, "4"+strings.Repeat("a", 18))
		if got := col.wait(t, 1); len(got[0].Data) != 18 {
			t.Errorf("got %d bytes", len(got[0].Data))
		}
	})
	t.Run("EIO-CL-11 client close", func(t *testing.T) {
		c, _ := ts.openWS("")
		ts.sock("connection")
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
		if ev := ts.closed("close"); ev.reason != ReasonTransportClose {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("client drops TCP", func(t *testing.T) {
		c, _ := ts.openWS("")
		ts.sock("connection")
		c.NetConn().Close()
		if ev := ts.closed("close"); ev.reason != ReasonTransportClose {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("EIO-CL-08 server close", func(t *testing.T) {
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		_ = s.Send(text("a"), SendOptions{})
		_ = s.Send(text("b"), SendOptions{})
		s.Close()
		if got := readWSText(t, c); got != "4a" {
			t.Errorf("frame %q", got)
		}
		if got := readWSText(t, c); got != "4b" {
			t.Errorf("frame %q", got)
		}
		var ce *websocket.CloseError
		if err := wsClosed(t, c); !errors.As(err, &ce) || ce.Code != 1000 {
			t.Errorf("close %v, want close frame 1000", err)
		}
		if ev := ts.closed("close"); ev.reason != ReasonForcedClose {
			t.Errorf("reason %q", ev.reason)
		}
	})
}

// covers: EIO-MSG-06, EIO-MSG-07, EIO-MSG-16
func TestWebSocketBursts(t *testing.T) {
	t.Run("EIO-MSG-07 same tick then close", func(t *testing.T) {
		ts := start(t, nil, nil)
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		for _, m := range []string{"a", "b", "c"} {
			_ = s.Send(text(m), SendOptions{})
		}
		s.Close()
		for _, m := range []string{"4a", "4b", "4c"} {
			if got := readWSText(t, c); got != m {
				t.Fatalf("frame %q, want %q", got, m)
			}
		}
		wsClosed(t, c)
	})
	t.Run("EIO-MSG-06 with pauses", func(t *testing.T) {
		ts := start(t, nil, nil)
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		_ = s.Send(text("a"), SendOptions{})
		if got := readWSText(t, c); got != "4a" {
			t.Fatalf("frame %q", got)
		}
		_ = s.Send(text("b"), SendOptions{})
		if got := readWSText(t, c); got != "4b" {
			t.Fatalf("frame %q", got)
		}
		_ = s.Send(text("c"), SendOptions{})
		s.Close()
		if got := readWSText(t, c); got != "4c" {
			t.Fatalf("frame %q", got)
		}
		wsClosed(t, c)
	})
	t.Run("EIO-MSG-16 many large messages with heartbeats", func(t *testing.T) {
		ts := start(t, &Options{PingInterval: 200 * time.Millisecond, PingTimeout: 100 * time.Millisecond}, nil)
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		big := bytes.Repeat([]byte("x"), 65*1024)
		for range 100 {
			if err := s.Send([]Message{{Data: big}}, SendOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		stop := make(chan struct{})
		pinged := make(chan struct{})
		go func() { // the client's heartbeat
			defer close(pinged)
			tk := time.NewTicker(50 * time.Millisecond)
			defer tk.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tk.C:
					if c.WriteMessage(websocket.TextMessage, []byte("2")) != nil {
						return
					}
				}
			}
		}()
		got := 0
		for got < 100 {
			s := readWSText(t, c)
			if s == "3" {
				continue
			}
			if len(s) != len(big)+1 {
				t.Fatalf("frame of %d bytes", len(s))
			}
			got++
		}
		close(stop)
		<-pinged
		if ts.ClientsCount() != 1 {
			t.Errorf("session closed during the burst")
		}
	})
}

// covers: EIO-PMD-01, EIO-PMD-02
func TestPerMessageDeflate(t *testing.T) {
	const offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
	tests := []struct {
		name     string
		opts     Options
		size     int
		noComp   bool
		want     bool
		accepted bool
	}{
		{"EIO-PMD-01 threshold 0", Options{PerMessageDeflate: &CompressionOptions{Threshold: 0}}, 10, false, true, true},
		{"EIO-PMD-02 below default threshold", Options{}, 100, false, false, true},
		{"at default threshold", Options{}, 1023, false, true, true}, // 1 + 1023 = 1024 bytes
		{"NoCompress", Options{}, 2000, true, false, true},
		{"disabled", Options{PerMessageDeflate: &CompressionOptions{Disable: true}}, 2000, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			ts := start(t, &opts, nil)
			w, head := ts.dialRaw("EIO=3&transport=websocket", offer)
			if got := strings.Contains(head, "permessage-deflate"); got != tt.accepted {
				t.Fatalf("extension accepted=%v: %q", got, head)
			}
			s := ts.sock("connection")
			// The open packet follows the same rule (compressed with threshold 0).
			if f := w.mustRead(); f.rsv1 != (tt.opts.PerMessageDeflate != nil && tt.want) {
				t.Fatalf("open frame rsv1=%v %q", f.rsv1, f.data)
			}
			_ = s.Send([]Message{{Data: bytes.Repeat([]byte("a"), tt.size)}}, SendOptions{NoCompress: tt.noComp})
			if f := w.mustRead(); f.rsv1 != tt.want {
				t.Errorf("compressed=%v, want %v", f.rsv1, tt.want)
			}
		})
	}
}

// covers: EIO-HDR-01
func TestWebSocketHandshakeRequest(t *testing.T) {
	ts := start(t, nil, nil)
	ts.dialWS("EIO=3&transport=websocket&a=b", map[string][]string{"X-Custom-Header-For-My-Project": {"my-secret-access-token"}})
	req := ts.sock("connection").Request()
	if req.Header.Get("X-Custom-Header-For-My-Project") != "my-secret-access-token" || req.Query.Get("a") != "b" {
		t.Errorf("request %+v", req)
	}
}

// TestMountedWebSocket runs a WebSocket session through Handler on a
// foreign fasthttp.Server (the reader is fasthttp's hijack goroutine).
func TestMountedWebSocket(t *testing.T) {
	ts := startMounted(t, nil, func(string) bool { return false })
	c, od := ts.openWS("")
	ts.waitClients(1)
	s := ts.lookup(od.SID)
	echo(s)
	writeWS(t, c, websocket.TextMessage, "4hi")
	if got := readWSText(t, c); got != "4hi" {
		t.Errorf("echo %q", got)
	}
}

// covers: EIO-CL-09
// The engine outlives the HTTP server it is mounted on: after one
// fasthttp.Server is shut down and another serves Handler, a WebSocket
// client connects and sees the server-side close.
func TestHandlerAcrossHTTPServers(t *testing.T) {
	srv, err := NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	socks := make(chan *Socket, 2)
	srv.OnConnection(func(s *Socket) { socks <- s })
	serve := func() (string, func()) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		fs := &fasthttp.Server{Handler: srv.Handler}
		done := make(chan error, 1)
		go func() { done <- fs.Serve(ln) }()
		return ln.Addr().String(), func() {
			if err := fs.Shutdown(); err != nil {
				t.Error(err)
			}
			<-done
		}
	}
	_, stop1 := serve()
	stop1()
	addr, stop2 := serve()
	defer stop2()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/engine.io/?EIO=3&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	readWS(t, c)
	recv(t, socks, "connection").Close()
	var ce *websocket.CloseError
	if err := wsClosed(t, c); !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
		t.Errorf("close %v, want 1000", err)
	}
}
