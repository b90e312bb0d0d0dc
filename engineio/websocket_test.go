package engineio

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
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
	if req.Header().Get("X-Custom-Header-For-My-Project") != "my-secret-access-token" || req.Query().Get("a") != "b" {
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
	addr1, stop1 := serve()
	// One request makes sure the first server is serving before Shutdown.
	if r := rawHTTP(t, addr1, "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); !strings.HasPrefix(r, "HTTP/1.1 404") {
		t.Fatalf("first server: %q", r)
	}
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

// covers: SUP-28
// The size limit applies to the decompressed message: a small compressed
// frame that inflates past MaxHTTPBufferSize closes the session.
func TestWebSocketCompressedLimit(t *testing.T) {
	ts := start(t, &Options{MaxHTTPBufferSize: 1000}, nil)
	d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: waitTimeout}
	c, res, err := d.Dial("ws"+strings.TrimPrefix(ts.base, "http")+"?EIO=3&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !strings.Contains(res.Header.Get("Sec-Websocket-Extensions"), "permessage-deflate") {
		t.Fatalf("compression not negotiated: %v", res.Header)
	}
	readWS(t, c)
	col := newCollector(ts.sock("connection"))
	writeWS(t, c, websocket.TextMessage, "4"+strings.Repeat("a", 900)) // inflates below the limit
	if got := col.wait(t, 1); len(got[0].Data) != 900 {
		t.Fatalf("got %d bytes", len(got[0].Data))
	}
	writeWS(t, c, websocket.TextMessage, "4"+strings.Repeat("a", 100000))
	if ev := ts.closed("close"); ev.reason != ReasonTransportError {
		t.Errorf("reason %q", ev.reason)
	}
	var ce *websocket.CloseError
	if err := wsClosed(t, c); !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
		t.Errorf("close %v, want 1009", err)
	}
}

// TestCloseWhileFlushing: Close right after Send, repeated, never loses a
// message a flusher already took from the queue.
func TestCloseWhileFlushing(t *testing.T) {
	ts := start(t, nil, nil)
	for i := range 30 {
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		for _, m := range []string{"a", "b", "c"} {
			_ = s.Send(text(m), SendOptions{})
		}
		if i%2 == 0 {
			time.Sleep(time.Duration(i) * 10 * time.Microsecond) // vary where Close lands
		}
		s.Close()
		for _, m := range []string{"4a", "4b", "4c"} {
			if got := readWSText(t, c); got != m {
				t.Fatalf("round %d: frame %q, want %q", i, got, m)
			}
		}
		wsClosed(t, c)
		ts.closed("close")
	}
}

// TestConfigureServer: the engine and an application's handler on one
// fasthttp.Server prepared by ConfigureServer. The application still gets
// whole bodies (also chunked ones) and 413 above its limit; the engine
// works on both transports.
func TestConfigureServer(t *testing.T) {
	srv, err := NewServer(&Options{MaxHTTPBufferSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	srv.OnConnection(echo)
	fs := &fasthttp.Server{
		MaxRequestBodySize: 100,
		Handler: func(ctx *fasthttp.RequestCtx) {
			ctx.SetBodyString("app got " + strconv.Itoa(len(ctx.PostBody())))
		},
	}
	srv.ConfigureServer(fs)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- fs.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Error(err)
		}
		if err := fs.ShutdownWithContext(ctx); err != nil {
			t.Error(err)
		}
		<-done
	}()
	addr := ln.Addr().String()
	post := func(hdr, body string) string {
		return rawHTTP(t, addr, "POST /app HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"+hdr+"\r\n"+body)
	}
	if got := post("Content-Length: 50\r\n", strings.Repeat("a", 50)); !strings.HasSuffix(got, "app got 50") {
		t.Errorf("small body: %q", got)
	}
	if got := post("Transfer-Encoding: chunked\r\n", "a\r\n0123456789\r\n0\r\n\r\n"); !strings.HasSuffix(got, "app got 10") {
		t.Errorf("chunked body: %q", got)
	}
	if got := post("Content-Length: 150\r\n", strings.Repeat("a", 150)); !strings.HasPrefix(got, "HTTP/1.1 413") {
		t.Errorf("large body: %q", got)
	}
	// Engine: a WebSocket session (read on a goroutine of its own) and
	// the engine's smaller POST limit.
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/engine.io/?EIO=3&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	readWS(t, c)
	writeWS(t, c, websocket.TextMessage, "4hey")
	if got := readWSText(t, c); got != "4hey" {
		t.Errorf("echo %q", got)
	}
	hs := rawHTTP(t, addr, "GET /engine.io/?EIO=3&transport=polling&b64=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	i := strings.Index(hs, `"sid":"`)
	if i < 0 {
		t.Fatalf("handshake %q", hs)
	}
	sid := hs[i+7 : i+27]
	if got := rawHTTP(t, addr, "POST /engine.io/?EIO=3&transport=polling&sid="+sid+" HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n3:4abc"); got != "" {
		t.Errorf("oversized engine POST answered %q", got)
	}
}

// TestCloseFrameReply: the server answers a client's close frame like
// ws 1.1.2: same code and reason, 1000 for an empty frame.
func TestCloseFrameReply(t *testing.T) {
	ts := start(t, nil, nil)
	for _, tt := range []struct{ name, send, want string }{
		{"empty", "", "\x03\xe8"},
		{"1000", "\x03\xe8", "\x03\xe8"},
		{"1001 with reason", "\x03\xe9bye", "\x03\xe9bye"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := ts.dialRaw("EIO=3&transport=websocket", "")
			if f := w.mustRead(); !strings.HasPrefix(string(f.data), "0{") {
				t.Fatalf("open %q", f.data)
			}
			ts.sock("connection")
			w.write(8, []byte(tt.send))
			f := w.mustRead()
			if f.op != 8 || string(f.data) != tt.want {
				t.Errorf("reply op %d %q, want close %q", f.op, f.data, tt.want)
			}
			if ev := ts.closed("close"); ev.reason != ReasonTransportClose {
				t.Errorf("reason %q", ev.reason)
			}
		})
	}
}
