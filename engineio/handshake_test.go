package engineio

import (
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"
)

// covers: EIO-VER-01, EIO-VER-02, EIO-VER-03, EIO-API-07, EIO-HS-23, SUP-09, SUP-05, SUP-04
func TestVerificationErrors(t *testing.T) {
	ts := start(t, &Options{AllowRequest: nil}, nil)
	const origin = "http://engine.io"
	tests := []struct {
		name   string
		method string
		query  string
		origin string
		body   string
	}{
		{"EIO-VER-01 unknown transport", "GET", "transport=tobi", "", `{"code":0,"message":"Transport unknown"}`},
		{"EIO-VER-02 prototype name", "GET", "transport=constructor", origin, `{"code":0,"message":"Transport unknown"}`},
		{"EIO-VER-02 toString", "GET", "transport=toString", "", `{"code":0,"message":"Transport unknown"}`},
		{"EIO-API-07 no transport", "GET", "", "", `{"code":0,"message":"Transport unknown"}`},
		{"repeated transport", "GET", "transport=polling&transport=polling", "", `{"code":0,"message":"Transport unknown"}`},
		{"EIO-VER-03 unknown sid", "GET", "transport=polling&sid=test", origin, `{"code":1,"message":"Session ID unknown"}`},
		{"unknown sid POST", "POST", "transport=polling&sid=abc", "", `{"code":1,"message":"Session ID unknown"}`},
		{"SUP-05 OPTIONS handshake", "OPTIONS", "EIO=3&transport=polling", origin, `{"code":2,"message":"Bad handshake method"}`},
		{"SUP-09 POST handshake", "POST", "EIO=3&transport=polling", "", `{"code":2,"message":"Bad handshake method"}`},
		{"PUT handshake", "PUT", "EIO=3&transport=polling", "", `{"code":2,"message":"Bad handshake method"}`},
		{"EIO-HS-23 websocket without upgrade", "GET", "EIO=3&transport=websocket", origin, `{"code":3,"message":"Bad request"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.origin != "" {
				hdr["Origin"] = tt.origin
			}
			r := ts.do(tt.method, tt.query, hdr, nil)
			if r.status != 400 {
				t.Fatalf("status %d, want 400", r.status)
			}
			if string(r.body) != tt.body {
				t.Errorf("body %q, want %q", r.body, tt.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.origin != "" {
				if r.header.Get("Access-Control-Allow-Origin") != tt.origin || r.header.Get("Access-Control-Allow-Credentials") != "true" {
					t.Errorf("CORS headers %v, want origin echoed with credentials", r.header)
				}
			} else if r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("CORS headers %v, want *", r.header)
			}
			if r.header.Get("Set-Cookie") != "" {
				t.Errorf("error response sets a cookie")
			}
		})
	}

	t.Run("SUP-09 chunked, exact bytes", func(t *testing.T) {
		got := rawHTTP(t, ts.addr, "GET /engine.io/?EIO=3&transport=polling&sid=abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if !strings.HasPrefix(got, "HTTP/1.1 400 Bad Request\r\n") || !strings.Contains(got, "Transfer-Encoding: chunked\r\n") || strings.Contains(got, "Content-Length") {
			t.Errorf("response %q: want 400, chunked, no Content-Length", got)
		}
		if !strings.Contains(got, "\r\n{\"code\":1,\"message\":\"Session ID unknown\"}\r\n0\r\n\r\n") {
			t.Errorf("response %q: body not as expected", got)
		}
	})

	t.Run("SUP-04 EIO ignored", func(t *testing.T) {
		for _, q := range []string{"", "&EIO=2", "&EIO=99"} {
			r := ts.do("GET", "transport=polling&b64=1"+q, nil, nil)
			if r.status != 200 || !strings.Contains(string(r.body), `"sid"`) {
				t.Errorf("query %q: status %d body %q", q, r.status, r.body)
			}
		}
	})

	t.Run("SUP-53 path must end in slash", func(t *testing.T) {
		got := rawHTTP(t, ts.addr, "GET /engine.io?EIO=3&transport=polling HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if !strings.HasPrefix(got, "HTTP/1.1 501") {
			t.Errorf("response %q, want 501 from the standalone server", got)
		}
		r := ts.do("GET", "EIO=3&transport=polling&b64=1", nil, nil) // base ends in "/"
		if r.status != 200 {
			t.Errorf("status %d", r.status)
		}
	})
}

// covers: EIO-HS-01, EIO-HS-02, EIO-HS-03, EIO-HS-04, EIO-HS-05, EIO-HS-06, EIO-HS-07, EIO-HS-08, EIO-HS-09
func TestCookie(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string // with %s for the sid; "" = no cookie
	}{
		{"EIO-HS-01 default", Options{}, "io=%s; Path=/; HttpOnly"},
		{"EIO-HS-02 name", Options{Cookie: &CookieOptions{Name: "woot"}}, "woot=%s; Path=/; HttpOnly"},
		{"EIO-HS-03 path", Options{Cookie: &CookieOptions{Path: "/custom"}}, "io=%s; Path=/custom; HttpOnly"},
		{"EIO-HS-04 no path", Options{Cookie: &CookieOptions{NoPath: true}}, "io=%s"},
		{"EIO-HS-05 httponly", Options{Cookie: &CookieOptions{}}, "io=%s; Path=/; HttpOnly"},
		{"EIO-HS-06 httponly without path", Options{Cookie: &CookieOptions{NoPath: true}}, "io=%s"},
		{"EIO-HS-07 no httponly", Options{Cookie: &CookieOptions{NoHTTPOnly: true}}, "io=%s; Path=/"},
		{"EIO-HS-08 httponly default stays on", Options{Cookie: &CookieOptions{Name: "io"}}, "io=%s; Path=/; HttpOnly"},
		{"EIO-HS-09 disabled", Options{DisableCookie: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			ts := start(t, &opts, nil)
			od, r := ts.handshake("&b64=1")
			got := r.header.Values("Set-Cookie")
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("Set-Cookie %q, want none", got)
				}
				return
			}
			want := strings.ReplaceAll(tt.want, "%s", od.SID)
			if len(got) != 1 || got[0] != want {
				t.Fatalf("Set-Cookie %q, want %q", got, want)
			}
			// Every polling response of the session carries it (EIO-HS-01 / E§3.3).
			if r := ts.send(od.SID, "1:2"); r.header.Get("Set-Cookie") != want {
				t.Errorf("POST Set-Cookie %q", r.header.Get("Set-Cookie"))
			}
			if r := ts.poll(od.SID); r.header.Get("Set-Cookie") != want {
				t.Errorf("GET Set-Cookie %q", r.header.Get("Set-Cookie"))
			}
		})
	}
}

// covers: EIO-HS-10, EIO-HS-11, EIO-HS-12, EIO-HS-13, EIO-HS-14, EIO-HS-15, EIO-HS-19, EIO-HS-21, EIO-HS-22, SUP-30, SUP-31, SUP-03
func TestHandshake(t *testing.T) {
	t.Run("EIO-HS-10 EIO-HS-14 EIO-HS-15 clients count and connection", func(t *testing.T) {
		ts := start(t, nil, nil)
		if ts.ClientsCount() != 0 {
			t.Fatalf("ClientsCount %d before", ts.ClientsCount())
		}
		od, _ := ts.handshake("&b64=1")
		s := ts.sock("connection")
		if s.ID() != od.SID || s.Transport() != TransportPolling {
			t.Errorf("socket %q on %q, want %q on polling", s.ID(), s.Transport(), od.SID)
		}
		if ts.ClientsCount() != 1 {
			t.Errorf("ClientsCount %d, want 1", ts.ClientsCount())
		}
	})
	t.Run("EIO-HS-11 GenerateID", func(t *testing.T) {
		ts := start(t, &Options{GenerateID: func() string { return "custom-id" }, Logger: slog.New(slog.DiscardHandler)}, nil)
		od, r := ts.handshake("&b64=1")
		if od.SID != "custom-id" || ts.sock("connection").ID() != "custom-id" {
			t.Fatalf("sid %q", od.SID)
		}
		if c := r.header.Get("Set-Cookie"); c != "io=custom-id; Path=/; HttpOnly" {
			t.Errorf("cookie %q", c)
		}
		// A second handshake with the same id is refused, not hijacked.
		if r := ts.do("GET", "EIO=3&transport=polling", nil, nil); r.status == 200 {
			t.Errorf("duplicate id accepted")
		}
	})
	t.Run("EIO-HS-12 EIO-HS-13 EIO-HS-19 open packet", func(t *testing.T) {
		ts := start(t, &Options{PingTimeout: 123 * time.Millisecond}, nil)
		_, r := ts.handshake("&b64=1")
		body := string(r.body)
		var od openData
		pk := decodePayload(t, r)[0]
		if err := json.Unmarshal(pk.Data, &od); err != nil {
			t.Fatal(err)
		}
		want := `0{"sid":"` + od.SID + `","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":123}`
		if body != strconv.Itoa(len(want))+":"+want {
			t.Errorf("body %q, want %q", body, want)
		}
		if r.header.Get("Content-Type") != "text/plain; charset=UTF-8" || r.header.Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Errorf("headers %v", r.header)
		}
	})
	t.Run("SUP-03 binary payload without b64", func(t *testing.T) {
		ts := start(t, nil, nil)
		r := ts.do("GET", "EIO=3&transport=polling", nil, nil)
		if r.header.Get("Content-Type") != "application/octet-stream" {
			t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
		}
		if len(r.body) != 101 || string(r.body[:5]) != "\x00\x09\x07\xff0" {
			t.Errorf("body % x", r.body[:8])
		}
	})
	t.Run("SUP-30 counter suffix", func(t *testing.T) {
		ts := start(t, nil, nil)
		a, b := ts.openB64(), ts.openB64()
		if !strings.HasSuffix(a, "AAAA") || !strings.HasSuffix(b, "AAAB") || len(a) != 20 {
			t.Errorf("ids %q %q", a, b)
		}
	})
	t.Run("SUP-31 handshake carries only the open packet", func(t *testing.T) {
		ts := start(t, nil, func(s *Socket) { _ = s.Send(text("0"), SendOptions{}) }) // socket.io CONNECT
		od, r := ts.handshake("&b64=1")
		if n := len(decodePayload(t, r)); n != 1 {
			t.Fatalf("%d packets in the handshake response", n)
		}
		if r := ts.poll(od.SID); string(r.body) != "2:40" {
			t.Errorf("next GET %q, want 2:40", r.body)
		}
	})
	t.Run("EIO-HS-21 EIO-HS-22 query and headers", func(t *testing.T) {
		ts := start(t, nil, nil)
		ts.do("GET", "EIO=3&transport=polling&b64=1&a=b&c=d", map[string]string{"X-Custom": "v", "Origin": "http://o"}, nil)
		req := ts.sock("connection").Request()
		if req.Query().Get("a") != "b" || req.Query().Get("c") != "d" || req.Query().Get("EIO") != "3" || req.Query().Get("transport") != "polling" {
			t.Errorf("query %v", req.Query())
		}
		if req.Header().Get("X-Custom") != "v" || req.GetHeader("x-custom") != "v" || !req.XDomain || req.Method != "GET" || !strings.HasPrefix(req.URL, "/engine.io/?EIO=3") {
			t.Errorf("request %+v", req)
		}
	})
}

// covers: EIO-HS-16, EIO-HS-17, EIO-HS-18, SUP-12, SUP-21
func TestUpgradesAdvertised(t *testing.T) {
	t.Run("EIO-HS-18 polling only", func(t *testing.T) {
		ts := start(t, &Options{Transports: []string{"polling"}}, nil)
		od, _ := ts.handshake("&b64=1")
		if len(od.Upgrades) != 0 || od.Upgrades == nil {
			t.Errorf("upgrades %v", od.Upgrades)
		}
		if r := ts.do("GET", "EIO=3&transport=websocket", nil, nil); string(r.body) != `{"code":0,"message":"Transport unknown"}` {
			t.Errorf("websocket disabled: %q", r.body)
		}
	})
	t.Run("SUP-21 DisableUpgrades", func(t *testing.T) {
		ts := start(t, &Options{DisableUpgrades: true}, nil)
		od, _ := ts.handshake("&b64=1")
		if len(od.Upgrades) != 0 {
			t.Errorf("upgrades %v", od.Upgrades)
		}
		c := ts.dialWS("EIO=3&transport=websocket&sid="+od.SID, nil)
		writeWS(t, c, 1, "2probe")
		if got := readWSText(t, c); got != "3probe" {
			t.Errorf("probe answer %q: upgrade must still be possible", got)
		}
	})
	t.Run("EIO-HS-16 EIO-HS-17 SUP-12 websocket only", func(t *testing.T) {
		ts := start(t, &Options{Transports: []string{"websocket"}}, nil)
		c := ts.dialWS("EIO=3&transport=websocket", nil)
		msg := readWSText(t, c)
		var od openData
		if err := json.Unmarshal([]byte(msg[1:]), &od); err != nil || msg[0] != '0' {
			t.Fatalf("open %q: %v", msg, err)
		}
		want := `0{"sid":"` + od.SID + `","upgrades":[],"pingInterval":25000,"pingTimeout":60000}`
		if msg != want {
			t.Errorf("open %q, want %q", msg, want)
		}
		if s := ts.sock("connection"); s.Transport() != TransportWebSocket {
			t.Errorf("transport %q", s.Transport())
		}
		_, head := ts.dialRaw("EIO=3&transport=websocket", "")
		if strings.Contains(strings.ToLower(head), "set-cookie") {
			t.Errorf("101 carries a cookie: %q", head)
		}
	})
}

// covers: EIO-HS-20
func TestWebSocketGETOnPollingSession(t *testing.T) {
	ts := start(t, nil, echo)
	sid := ts.openB64()
	r := ts.do("GET", "EIO=3&transport=websocket&sid="+sid, map[string]string{"Connection": "close"}, nil)
	if r.status != 400 || string(r.body) != `{"code":3,"message":"Bad request"}` {
		t.Fatalf("got %d %q", r.status, r.body)
	}
	if r := ts.send(sid, "6:4hello"); string(r.body) != "ok" {
		t.Fatalf("POST %q", r.body)
	}
	if r := ts.poll(sid); string(r.body) != "6:4hello" {
		t.Errorf("echo %q", r.body)
	}
}

// covers: SUP-09, EIO-VER-01
func TestAllowRequest(t *testing.T) {
	tests := []struct {
		name string
		err  error
		body string
		raw  string
	}{
		{"plain error is code null", errTest, `{"code":null}`, "null"},
		{"nil code", &RequestError{}, `{"code":null}`, "null"},
		{"table code", &RequestError{Code: 3}, `{"code":3,"message":"Bad request"}`, "Bad request"},
		{"string code", &RequestError{Code: "x"}, `{"code":"x"}`, `"x"`},
		{"unknown int code", &RequestError{Code: 42}, `{"code":42}`, "42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen *Request
			ts := start(t, &Options{AllowRequest: func(r *Request) error { seen = r; return tt.err }}, nil)
			r := ts.do("GET", "EIO=3&transport=polling", map[string]string{"Origin": "http://evil"}, nil)
			if r.status != 400 || string(r.body) != tt.body {
				t.Errorf("got %d %q, want 400 %q", r.status, r.body, tt.body)
			}
			if seen == nil || seen.Header().Get("Origin") != "http://evil" {
				t.Errorf("AllowRequest saw %+v", seen)
			}
			got := rawHTTP(t, ts.addr, "GET /engine.io/?EIO=3&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
			want := "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: " + strconv.Itoa(len(tt.raw)) + "\r\n\r\n" + tt.raw
			if got != want {
				t.Errorf("upgrade rejection %q, want %q", got, want)
			}
		})
	}
	t.Run("accept, and not called with a sid", func(t *testing.T) {
		calls := 0
		ts := start(t, &Options{AllowRequest: func(*Request) error { calls++; return nil }}, nil)
		sid := ts.openB64()
		ts.send(sid, "1:2")
		ts.poll(sid)
		if calls != 1 {
			t.Errorf("AllowRequest called %d times, want 1", calls)
		}
	})
}

// covers: SUP-10, SUP-11, SUP-20
func TestUpgradeRejections(t *testing.T) {
	ts := start(t, nil, nil)
	up := func(query, extra string) string {
		return rawHTTP(t, ts.addr, "GET /engine.io/?"+query+" HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+extra+"\r\n")
	}
	const key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	tests := []struct{ name, query, extra, want string }{
		{"SUP-10 unknown sid", "EIO=3&transport=websocket&sid=nope", key, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: 18\r\n\r\nSession ID unknown"},
		{"SUP-10 unknown transport", "EIO=3&transport=foo", key, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: 17\r\n\r\nTransport unknown"},
		{"no key", "EIO=3&transport=websocket", "Sec-WebSocket-Version: 13\r\n", "HTTP/1.1 400 Bad Request\r\nContent-type: text/html\r\n\r\n"},
		{"bad version", "EIO=3&transport=websocket", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n", "HTTP/1.1 400 Bad Request\r\nContent-type: text/html\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := up(tt.query, tt.extra); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("SUP-11 transport=polling upgrade", func(t *testing.T) {
		w, _ := ts.dialRaw("EIO=3&transport=polling", "")
		f := w.mustRead()
		if f.op != 8 || string(f.data) != "\x03\xe8" {
			t.Errorf("frame op %d data %q, want close 1000", f.op, f.data)
		}
	})
	t.Run("SUP-20 second upgrade", func(t *testing.T) {
		sid := ts.openB64()
		w, _ := ts.dialRaw("EIO=3&transport=websocket&sid="+sid, "")
		w.write(1, []byte("2probe"))
		if f := w.mustRead(); string(f.data) != "3probe" {
			t.Fatalf("probe reply %q", f.data)
		}
		// Already upgrading: a second WebSocket is closed at once.
		w2, _ := ts.dialRaw("EIO=3&transport=websocket&sid="+sid, "")
		if f := w2.mustRead(); f.op != 8 {
			t.Errorf("second upgrade got op %d", f.op)
		}
		w.write(1, []byte("5"))
		// Upgraded: a third is closed too.
		w3, _ := ts.dialRaw("EIO=3&transport=websocket&sid="+sid, "")
		if f := w3.mustRead(); f.op != 8 || string(f.data) != "\x03\xe8" {
			t.Errorf("third upgrade got op %d %q", f.op, f.data)
		}
	})
}

// covers: EIO-API-04, EIO-API-08, EIO-API-10, EIO-API-12
func TestRouting(t *testing.T) {
	t.Run("EIO-API-04 EIO-API-08 standalone", func(t *testing.T) {
		ts := start(t, nil, nil)
		got := rawHTTP(t, ts.addr, "GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if !strings.HasPrefix(got, "HTTP/1.1 501 Not Implemented") {
			t.Errorf("non-engine request: %q", got)
		}
		got = rawHTTP(t, ts.addr, "GET /other HTTP/1.1\r\nHost: x\r\nUpgrade: IRC/6.9\r\nConnection: Upgrade\r\n\r\n")
		if got != "" {
			t.Errorf("foreign upgrade answered %q, want the connection ended", got)
		}
		// EIO-API-10: ended even though the client writes data.
		got = rawHTTP(t, ts.addr, "GET /other HTTP/1.1\r\nHost: x\r\nUpgrade: IRC/6.9\r\nConnection: Upgrade\r\n\r\nfoo bar")
		if got != "" {
			t.Errorf("foreign upgrade with data answered %q", got)
		}
	})
	t.Run("EIO-API-12 mounted", func(t *testing.T) {
		ts := startMounted(t, nil, func(path string) bool { return path == "/hello" })
		r, err := ts.client.Get("http://" + ts.addr + "/hello")
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 200 {
			t.Errorf("/hello status %d", r.StatusCode)
		}
		if r := ts.do("GET", "", nil, nil); string(r.body) != `{"code":0,"message":"Transport unknown"}` {
			t.Errorf("engine path %q", r.body)
		}
		sid := ts.openB64()
		if r := ts.send(sid, "1:2"); r.status != 200 {
			t.Errorf("POST %d", r.status)
		}
	})
}

var errTest = &testError{}

type testError struct{}

func (*testError) Error() string { return "test error" }
