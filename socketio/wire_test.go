package socketio

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/fastsio/fastsio/engineio"
	"github.com/fastsio/fastsio/engineio/packet"
	"github.com/valyala/fasthttp"
)

// liveServer runs a Server with Serve on 127.0.0.1 and closes it (and
// checks Close's result) at the end of the test.
func liveServer(t *testing.T, opts *Options, setup func(*Server)) (*Server, string) {
	t.Helper()
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return s, "127.0.0.1:" + strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:")
}

var httpClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

func httpDo(t *testing.T, method, url string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// poller is a raw engine.io polling client (b64=1 string payloads).
type poller struct {
	t   *testing.T
	url string // with sid
}

func render(p packet.Packet) string {
	if p.Binary {
		return "<" + hex.EncodeToString(p.Data) + ">"
	}
	return string('0'+byte(p.Type)) + string(p.Data)
}

func decodePayload(t *testing.T, body []byte) []string {
	t.Helper()
	var out []string
	if err := packet.DecodeStringPayload(body, func(p packet.Packet) error {
		out = append(out, render(p))
		return nil
	}); err != nil {
		t.Fatalf("payload %q: %v", body, err)
	}
	return out
}

func handshake(t *testing.T, addr, query string) *poller {
	t.Helper()
	resp, body := httpDo(t, "GET", "http://"+addr+"/socket.io/?EIO=3&transport=polling&b64=1"+query, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("handshake %d %s", resp.StatusCode, body)
	}
	pk := decodePayload(t, body)
	if len(pk) != 1 || !strings.HasPrefix(pk[0], "0{") {
		t.Fatalf("handshake payload %q (must hold only the open packet: SUP-31)", pk)
	}
	var open struct{ Sid string }
	if err := json.Unmarshal([]byte(pk[0][1:]), &open); err != nil {
		t.Fatal(err)
	}
	return &poller{t: t, url: "http://" + addr + "/socket.io/?EIO=3&transport=polling&b64=1&sid=" + open.Sid}
}

func (p *poller) get() []string {
	p.t.Helper()
	resp, body := httpDo(p.t, "GET", p.url, nil, nil)
	if resp.StatusCode != 200 {
		p.t.Fatalf("GET %d %s", resp.StatusCode, body)
	}
	return decodePayload(p.t, body)
}

// getN polls until n packets arrived.
func (p *poller) getN(n int) []string {
	p.t.Helper()
	var out []string
	for len(out) < n {
		out = append(out, p.get()...)
	}
	return out
}

func (p *poller) post(msgs ...string) {
	p.t.Helper()
	var ps []packet.Packet
	for _, m := range msgs {
		ps = append(ps, packet.Packet{Type: packet.Type(m[0] - '0'), Data: []byte(m[1:])})
	}
	resp, body := httpDo(p.t, "POST", p.url, packet.AppendStringPayload(nil, ps), map[string]string{"Content-Type": "text/plain;charset=UTF-8"})
	if resp.StatusCode != 200 || string(body) != "ok" {
		p.t.Fatalf("POST %d %s", resp.StatusCode, body)
	}
}

func wireApp(s *Server) {
	ts := &testServer{Server: s}
	echoApp(ts, "/", "/chat")
	roomApp(ts, "/", "/chat")
	for _, n := range []string{"/", "/chat"} {
		s.Of(n).On("dis", func(s *Socket, args Args, ack AckFunc) {
			var close bool
			_ = args.Decode(0, &close)
			s.Disconnect(close)
		})
	}
	auth := s.Of("/auth")
	auth.Use(func(s *Socket) error {
		switch {
		case s.Handshake().Query.Get("token") == "secret":
			return nil
		case s.Handshake().Query.Get("data") != "":
			return &MiddlewareError{Message: "not authorized", Data: map[string]string{"reason": s.Handshake().Query.Get("data")}}
		}
		return errors.New("not authorized")
	})
}

func TestWirePolling(t *testing.T) {
	// covers: SUP-31, SUP-32, SUP-33, SUP-34, SUP-35, SUP-36, SUP-41, SUP-49, SIO-NS-15
	_, addr := liveServer(t, nil, wireApp)
	p := handshake(t, addr, "")
	if got := p.get(); !slices.Equal(got, []string{"40"}) {
		t.Fatalf("first GET %q", got)
	}
	p.post("40/chat", "40/foo?a=b&c")
	got := p.getN(2)
	slices.Sort(got) // the ERROR is sent at once and may overtake
	if want := []string{`40/chat`, `44/foo,"Invalid namespace"`}; !slices.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
	steps := []struct {
		post []string
		want []string
	}{
		{[]string{`40/auth?x`}, []string{`44/auth,"not authorized"`}},
		{[]string{`40/auth?data=zz`}, []string{`44/auth,{"reason":"zz"}`}},
		{[]string{`40/auth?token=secret&data=1`}, []string{`40/auth`}},
		{[]string{`42/chat,["echo",1]`}, []string{`42/chat,["echo",1]`}},
		{[]string{`42/chat,5["echo",1]`}, []string{`43/chat,5[1]`}},
		{[]string{`42/chat,1["ack2"]`}, []string{`43/chat,1[1]`}},
		{[]string{`42/chat,["ask","evt"]`}, []string{`42/chat,0["evt","q"]`}},
		{[]string{`42["ask","evt2"]`}, []string{`420["evt2","q"]`}},
		{[]string{`43/chat,0["ok",2]`}, []string{`42/chat,["answered","ok"]`}},
		{[]string{`42["bin"]`}, []string{`452-["bin",{"_placeholder":true,"num":0},{"x":[{"_placeholder":true,"num":1}]}]`, "<010203>", "<04>"}},
		{[]string{`42/chat,["dis",false]`}, []string{`41/chat`}},
		{[]string{`42["dis",true]`}, []string{`41`, `41/auth`}},
	}
	for _, st := range steps {
		p.post(st.post...)
		if got := p.getN(len(st.want)); !slices.Equal(got, st.want) {
			t.Fatalf("after %q got %q, want %q", st.post, got, st.want)
		}
	}
	// Engine close after disconnect(true): noop + close (SUP-41).
	if got := p.get(); !slices.Equal(got, []string{"6", "1"}) {
		t.Fatalf("after disconnect(true) got %q", got)
	}
}

func TestWireWebSocket(t *testing.T) {
	// covers: SUP-12, SUP-41, SUP-49, SIO-SK-14
	_, addr := liveServer(t, nil, wireApp)
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/socket.io/?EIO=3&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	read := func() string {
		t.Helper()
		typ, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if typ == websocket.BinaryMessage {
			return "<" + hex.EncodeToString(b) + ">"
		}
		return string(b)
	}
	if got := read(); !strings.HasPrefix(got, `0{"sid":`) {
		t.Fatalf("open %q", got)
	}
	if got := read(); got != "40" {
		t.Fatalf("got %q", got)
	}
	send := func(s string) {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	send("40/chat")
	if got := read(); got != "40/chat" {
		t.Fatalf("got %q", got)
	}
	send(`42/chat,0["bin"]`)
	for _, want := range []string{`462-/chat,0[{"_placeholder":true,"num":0},{"x":[{"_placeholder":true,"num":1}]}]`, "<04010203>", "<0404>"} {
		if got := read(); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	send(`451-/chat,["echo",{"_placeholder":true,"num":0}]`)
	if err := ws.WriteMessage(websocket.BinaryMessage, []byte{4, 0xde, 0xad}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`451-/chat,["echo",{"_placeholder":true,"num":0}]`, "<04dead>"} {
		if got := read(); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	send(`42["dis",true]`)
	for _, want := range []string{"41", "41/chat"} {
		if got := read(); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	_, _, err = ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("want close 1000, got %v", err)
	}
}

func TestWireServerClose(t *testing.T) {
	// covers: SUP-50, SIO-CL-01, SIO-CL-02
	s, err := NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	reasons := make(chan string, 4)
	for _, n := range []string{"/", "/chat"} {
		s.Of(n).OnConnection(func(so *Socket) {
			so.OnDisconnect(func(so *Socket, r string) { reasons <- so.Namespace().Name() + ":" + r })
		})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	p := handshake(t, ln.Addr().String(), "")
	p.get()
	p.post("40/chat")
	p.getN(1)
	parked := make(chan []string, 1)
	go func() {
		resp, body := httpDo(t, "GET", p.url, nil, nil)
		_ = resp
		parked <- decodePayload(t, body)
	}()
	time.Sleep(50 * time.Millisecond) // let the GET park (not a timing assertion)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	if got := wait(t, parked); !slices.Equal(got, []string{"1"}) {
		t.Fatalf("parked GET got %q", got)
	}
	got := []string{wait(t, reasons), wait(t, reasons)}
	slices.Sort(got)
	if want := []string{"/:" + ReasonServerClose, "/chat:" + ReasonForcedClose}; !slices.Equal(got, want) {
		t.Fatalf("reasons %q, want %q", got, want)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Fatal("port still accepting after Close")
	}
}

func TestWireOrigins(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		header map[string]string
		ok     bool
	}{
		{"SIO-HS-01 no origin", Options{Origins: "http://foo.example:*"}, nil, false},
		{"SIO-HS-02 other origin", Options{Origins: "http://foo.example:*"}, map[string]string{"Origin": "http://herp.derp"}, false},
		{"SIO-HS-03 allowed", Options{Origins: "http://foo.example:*"}, map[string]string{"Origin": "http://foo.example"}, true},
		{"SUP-51 substring quirk", Options{Origins: "http://foo.example:*"}, map[string]string{"Origin": "http://oo.example"}, true},
		{"SUP-51 scheme ignored", Options{Origins: "http://foo.example:*"}, map[string]string{"Origin": "https://foo.example"}, true},
		{"SUP-51 referer", Options{Origins: "http://foo.example:*"}, map[string]string{"Referer": "http://foo.example/page"}, true},
		{"SUP-51 null origin", Options{Origins: "http://foo.example:*"}, map[string]string{"Origin": "null"}, false},
		{"SIO-HS-07 default port 443", Options{Origins: "https://foo.example:443"}, map[string]string{"Origin": "https://foo.example"}, true},
		{"list exact element", Options{OriginList: []string{"foo.example:80"}}, map[string]string{"Origin": "http://foo.example"}, true},
		{"list no substring", Options{OriginList: []string{"foo.example:80"}}, map[string]string{"Origin": "http://oo.example"}, false},
		{"list star port", Options{OriginList: []string{"*:8080"}}, map[string]string{"Origin": "http://a.b:8080"}, true},
		{"SIO-HS-04 function allows", Options{CheckOrigin: func(o string) bool { return o == "http://foo.example" }}, map[string]string{"Origin": "http://foo.example"}, true},
		{"SIO-HS-05 function rejects", Options{CheckOrigin: func(o string) bool { return o == "http://foo.example" }}, map[string]string{"Origin": "http://herp.derp"}, false},
		{"SIO-HS-06 function gets *", Options{CheckOrigin: func(o string) bool { return o == "*" }}, nil, true},
		{"SIO-HS-08 allowRequest overrides", Options{Origins: "http://foo.example:*", AllowRequest: func(*engineio.Request) error { return nil }}, map[string]string{"Origin": "http://herp.derp"}, true},
		{"SIO-HS-09 allowRequest rejects", Options{AllowRequest: func(*engineio.Request) error { return errors.New("no") }}, nil, false},
		{"default *:*", Options{}, map[string]string{"Origin": "http://any.where"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, addr := liveServer(t, &tt.opts, nil)
			resp, body := httpDo(t, "GET", "http://"+addr+"/socket.io/?EIO=3&transport=polling&b64=1", nil, tt.header)
			if tt.ok {
				if resp.StatusCode != 200 {
					t.Fatalf("status %d %s", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != 400 || string(body) != `{"code":null}` {
				t.Fatalf("status %d body %s, want 400 {\"code\":null}", resp.StatusCode, body)
			}
		})
	}
}

func TestWireClientFile(t *testing.T) {
	fsys := fstest.MapFS{
		"socket.io.min.js": {Data: []byte("/* engine.io client */")},
		"socket.io.js.map": {Data: []byte(`{"version":3}`)},
	}
	_, addr := liveServer(t, &Options{ClientFS: fsys}, nil)
	base := "http://" + addr
	tests := []struct {
		name, method, path string
		hdr                map[string]string
		status             int
		ctype, body        string
	}{
		{"SIO-ATT-01", "GET", "/socket.io/socket.io.js", nil, 200, "application/javascript", "/* engine.io client */"},
		{"SIO-ATT-02 etag", "GET", "/socket.io/socket.io.js", map[string]string{"If-None-Match": `"1.7.3"`}, 304, "", ""},
		{"etag mismatch", "GET", "/socket.io/socket.io.js", map[string]string{"If-None-Match": `1.7.3`}, 200, "application/javascript", "/* engine.io client */"},
		{"SUP-52 prefix query", "GET", "/socket.io/socket.io.js?v=1", nil, 200, "application/javascript", "/* engine.io client */"},
		{"SUP-52 prefix suffix", "GET", "/socket.io/socket.io.jsfoo", nil, 200, "application/javascript", "/* engine.io client */"},
		{"SUP-52 any method", "POST", "/socket.io/socket.io.js", nil, 200, "application/javascript", "/* engine.io client */"},
		{"SUP-52 map", "GET", "/socket.io/socket.io.js.map", nil, 200, "application/json", `{"version":3}`},
		{"SUP-53 path needs slash", "GET", "/socket.io?EIO=3&transport=polling", nil, 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := httpDo(t, tt.method, base+tt.path, nil, tt.hdr)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if tt.status != 200 {
				if tt.status == 304 && len(body) != 0 {
					t.Fatalf("304 with body %q", body)
				}
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != tt.ctype {
				t.Fatalf("content-type %q", ct)
			}
			if string(body) != tt.body || resp.Header.Get("ETag") != `"1.7.3"` {
				t.Fatalf("body %q etag %q", body, resp.Header.Get("ETag"))
			}
			if tt.ctype == "application/javascript" && resp.Header.Get("X-SourceMap") != "socket.io.js.map" {
				t.Fatal("missing X-SourceMap")
			}
			if resp.ContentLength != -1 || len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" {
				t.Fatalf("want chunked body without Content-Length (1.7.3), got length %d, %v", resp.ContentLength, resp.TransferEncoding)
			}
		})
	}
	t.Run("SIO-ATT-03 not served without ClientFS", func(t *testing.T) {
		_, addr := liveServer(t, nil, nil)
		resp, body := httpDo(t, "GET", "http://"+addr+"/socket.io/socket.io.js", nil, nil)
		if resp.StatusCode != 400 || !strings.Contains(string(body), "Transport unknown") {
			t.Fatalf("status %d %s", resp.StatusCode, body)
		}
	})
	t.Run("SIO-SET-05 custom path", func(t *testing.T) {
		_, addr := liveServer(t, &Options{Path: "/random/", ClientFS: fsys}, nil)
		resp, _ := httpDo(t, "GET", "http://"+addr+"/random/socket.io.js", nil, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("missing client file", func(t *testing.T) {
		if _, err := NewServer(&Options{ClientFS: fstest.MapFS{}}); err == nil {
			t.Fatal("NewServer accepted a ClientFS without the client file")
		}
	})
}

func TestWireOptionsPassThrough(t *testing.T) {
	t.Run("SIO-ATT-04 fallback handler with its own 404", func(t *testing.T) {
		fsys := fstest.MapFS{"socket.io.min.js": {Data: []byte("client")}}
		fallback := func(ctx *fasthttp.RequestCtx) { ctx.Error("mine", fasthttp.StatusNotFound) }
		_, addr := liveServer(t, &Options{ClientFS: fsys, Fallback: fallback}, nil)
		resp, body := httpDo(t, "GET", "http://"+addr+"/socket.io/socket.io.js", nil, nil)
		// covers: SIO-01 (the ETag is the client version, 1.7.3)
		if resp.StatusCode != 200 || string(body) != "client" || resp.Header.Get("ETag") != `"`+clientVersion+`"` {
			t.Fatalf("client file: %d %q", resp.StatusCode, body)
		}
		resp, body = httpDo(t, "GET", "http://"+addr+"/other", nil, nil)
		if resp.StatusCode != 404 || string(body) != "mine" {
			t.Fatalf("fallback: %d %q", resp.StatusCode, body)
		}
		p := handshake(t, addr, "")
		if got := p.get(); !slices.Equal(got, []string{"40"}) {
			t.Fatalf("engine.io behind the fallback: %q", got)
		}
	})
	t.Run("SIO-SET-01 SIO-SET-02 SIO-SET-03 engine options", func(t *testing.T) {
		opts := &Options{Engine: engineio.Options{PingInterval: 1500 * time.Millisecond, PingTimeout: 2500 * time.Millisecond, Transports: []string{"polling"}}}
		_, addr := liveServer(t, opts, nil)
		resp, body := httpDo(t, "GET", "http://"+addr+"/socket.io/?EIO=3&transport=polling&b64=1", nil, nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"pingInterval":1500,"pingTimeout":2500`) {
			t.Fatalf("handshake %d %s", resp.StatusCode, body)
		}
		resp, body = httpDo(t, "GET", "http://"+addr+"/socket.io/?EIO=3&transport=websocket", nil, nil)
		if resp.StatusCode != 400 {
			t.Fatalf("websocket with polling-only transports: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("SIO-SET-04 MaxHTTPBufferSize", func(t *testing.T) {
		closed := make(chan string, 1)
		_, addr := liveServer(t, &Options{Engine: engineio.Options{MaxHTTPBufferSize: 100}}, func(s *Server) {
			s.Of("/").OnConnection(func(so *Socket) {
				so.OnDisconnect(func(_ *Socket, r string) { closed <- r })
			})
		})
		p := handshake(t, addr, "")
		p.get()
		// Far over the limit: Serve's server (engineio.ConfigureServer)
		// streams it to the engine, which closes the session (SUP-27).
		big := packet.AppendStringPayload(nil, []packet.Packet{{Type: packet.Message, Data: []byte(`2["echo","` + strings.Repeat("x", 100000) + `"]`)}})
		req, _ := http.NewRequest("POST", p.url, bytes.NewReader(big))
		if resp, err := httpClient.Do(req); err == nil {
			resp.Body.Close() // 1.8.3 destroys the connection; either outcome is fine here
		}
		if r := wait(t, closed); r != ReasonTransportError && r != ReasonParseError && r != ReasonTransportClose {
			t.Fatalf("closed with %q", r)
		}
	})
}

func TestWireBadInput(t *testing.T) {
	// covers: SUP-42, SUP-43, SUP-44, SUP-45, SUP-46, SUP-55
	_, addr := liveServer(t, nil, wireApp)
	p := handshake(t, addr, "")
	p.get()
	p.post("40/chat")
	p.getN(1)
	p.post(`47`, `42[bad`, `44"x"`, `42["error","x"]`, `42"x"`, `42{}`, `42["echo","alive"]`)
	if got := p.getN(1); !slices.Equal(got, []string{`42["echo","alive"]`}) {
		t.Fatalf("got %q", got)
	}
	// a text packet between a binary header and its attachment
	var ps []packet.Packet
	for _, m := range []string{`51-["echo",{"_placeholder":true,"num":0}]`, `2["echo","first"]`} {
		ps = append(ps, packet.Packet{Type: packet.Message, Data: []byte(m)})
	}
	ps = append(ps, packet.Packet{Type: packet.Message, Data: []byte{7}, Binary: true})
	resp, _ := httpDo(t, "POST", p.url, packet.AppendStringPayload(nil, ps), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("POST %d", resp.StatusCode)
	}
	if got := p.getN(3); !slices.Equal(got, []string{`42["echo","first"]`, `451-["echo",{"_placeholder":true,"num":0}]`, "<07>"}) {
		t.Fatalf("got %q", got)
	}
	// client namespace disconnect: no reply, later /chat packets dropped
	p.post(`41/chat`, `42/chat,["echo",1]`, `42["echo",2]`)
	if got := p.getN(1); !slices.Equal(got, []string{`42["echo",2]`}) {
		t.Fatalf("got %q", got)
	}
	// illegal attachments: socket.io is dead for this session, engine.io
	// still answers pings
	p.post(`45x-["echo"]`, `42["echo",3]`, `2`)
	if got := p.getN(1); !slices.Equal(got, []string{"3"}) {
		t.Fatalf("after client error got %q", got)
	}
}

func TestWireSameBatchAsConnect(t *testing.T) {
	// covers: SUP-38 (over the real engine's batch boundaries)
	_, addr := liveServer(t, nil, wireApp)
	p := handshake(t, addr, "")
	p.get()
	p.post(`40/chat`, `42/chat,["echo","dropped"]`)
	if got := p.getN(1); !slices.Equal(got, []string{"40/chat"}) {
		t.Fatalf("got %q", got)
	}
	p.post(`42/chat,["echo","kept"]`)
	if got := p.getN(1); !slices.Equal(got, []string{`42/chat,["echo","kept"]`}) {
		t.Fatalf("got %q", got)
	}
}

// A WebSocket handshake to a root namespace without middleware gets the
// 101, the open packet and the CONNECT reply in one write (the client reads
// them in one read); the connection handlers still run before the client's
// first event. With middleware the CONNECT waits for it (and may or may not
// share the handshake's write).
func TestWireWebSocketConnectInHandshakeWrite(t *testing.T) {
	for _, mw := range []bool{false, true} {
		name := "no middleware"
		if mw {
			name = "middleware"
		}
		t.Run(name, func(t *testing.T) {
			order := make(chan string, 4)
			_, addr := liveServer(t, nil, func(s *Server) {
				if mw {
					s.Sockets().Use(func(*Socket) error { return nil })
				}
				s.Sockets().OnConnection(func(so *Socket) {
					order <- "connection"
					so.On("e", func(*Socket, Args, AckFunc) { order <- "event" })
				})
			})
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			req := "GET /socket.io/?EIO=3&transport=websocket HTTP/1.1\r\nHost: " + addr +
				"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
			if _, err := io.WriteString(c, req); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 4096)
			n, err := c.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			first := buf[:n]
			hdrEnd := bytes.Index(first, []byte("\r\n\r\n"))
			if !bytes.HasPrefix(first, []byte("HTTP/1.1 101 ")) || hdrEnd < 0 {
				t.Fatalf("first read %q", first)
			}
			frames := first[hdrEnd+4:]
			// Server frames: FIN|text, 7-bit length (the packets are short).
			var got []string
			for len(frames) >= 2 {
				l := int(frames[1])
				if frames[0] != 0x81 || l > 125 || len(frames) < 2+l {
					t.Fatalf("frames % x", frames)
				}
				got = append(got, string(frames[2:2+l]))
				frames = frames[2+l:]
			}
			if len(got) == 0 || !strings.HasPrefix(got[0], "0{") {
				t.Fatalf("frames in the first read: %q", got)
			}
			if !mw && (len(got) != 2 || got[1] != "40") {
				t.Fatalf("frames in the first read: %q", got)
			}
			if mw && len(got) == 1 {
				n, err := c.Read(buf)
				if err != nil || !bytes.Equal(buf[:n], []byte("\x81\x0240")) {
					t.Fatalf("CONNECT reply % x, %v", buf[:n], err)
				}
			}
			// The client's event (masked text frame 42["e"]) runs after
			// the connection handler.
			payload := []byte(`42["e"]`)
			frame := []byte{0x81, 0x80 | byte(len(payload)), 0, 0, 0, 0}
			if _, err := c.Write(append(frame, payload...)); err != nil {
				t.Fatal(err)
			}
			if a, b := wait(t, order), wait(t, order); a != "connection" || b != "event" {
				t.Fatalf("order %s, %s", a, b)
			}
		})
	}
}
