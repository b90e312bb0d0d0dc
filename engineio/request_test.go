package engineio

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// eagerRequest is how the handshake request used to be copied: every
// header and query value into maps at once. The compact Request must
// parse to exactly the same maps.
func eagerRequest(ctx *fasthttp.RequestCtx) (http.Header, url.Values) {
	h, q := http.Header{}, url.Values{}
	for k, v := range ctx.QueryArgs().All() {
		q[string(k)] = append(q[string(k)], string(v))
	}
	for k, v := range ctx.Request.Header.All() {
		h.Add(string(k), string(v))
	}
	return h, q
}

func requestCtx(t *testing.T, raw string) *fasthttp.RequestCtx {
	t.Helper()
	var req fasthttp.Request
	if err := req.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		t.Fatalf("read %q: %v", raw, err)
	}
	ctx := &fasthttp.RequestCtx{}
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242}, nil)
	return ctx
}

// covers: EIO-HS-01 (handshake request data kept for the session)
func TestRequestCompactCopy(t *testing.T) {
	tests := []struct {
		name, raw string
		xdomain   bool
	}{
		{"plain", "GET /engine.io/?EIO=3&transport=polling&t=abc HTTP/1.1\r\nHost: x\r\nUser-Agent: test\r\n\r\n", false},
		{"repeated query and headers", "GET /engine.io/?a=1&a=2&b=%20x+y&c&=v&d= HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2\r\nCookie: a=b\r\nCookie: c=d\r\nOrigin: http://o\r\n\r\n", true},
		{"fragment and empty values", "GET /engine.io/?EIO=3&x=%zz#frag?y=1 HTTP/1.1\r\nHost: x\r\nX-Empty: \r\nsec-websocket-key: k\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", false},
		{"no query", "GET /engine.io/ HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := requestCtx(t, tt.raw)
			wantH, wantQ := eagerRequest(ctx)
			r := newRequest(ctx)
			if got := r.Header(); !reflect.DeepEqual(got, wantH) {
				t.Errorf("Header() = %v, want %v", got, wantH)
			}
			if got := r.Query(); !reflect.DeepEqual(got, wantQ) {
				t.Errorf("Query() = %v, want %v", got, wantQ)
			}
			for k := range wantH {
				if got := r.GetHeader(strings.ToLower(k)); got != wantH.Get(k) {
					t.Errorf("GetHeader(%q) = %q, want %q", k, got, wantH.Get(k))
				}
			}
			if got := r.GetHeader("X-Missing"); got != "" {
				t.Errorf("GetHeader(X-Missing) = %q", got)
			}
			if r.URL != string(ctx.RequestURI()) || r.RemoteAddr != "127.0.0.1:4242" || r.Method != "GET" || r.XDomain != tt.xdomain {
				t.Errorf("got URL %q addr %q method %q xdomain %v", r.URL, r.RemoteAddr, r.Method, r.XDomain)
			}
		})
	}
}

// A Request built by hand (tests, adapters) parses the same way.
func TestRequestByHand(t *testing.T) {
	r := &Request{URL: "/socket.io/?a=b&a=c", RawHeader: "user-agent: test\r\nX-Two:2\r\n"}
	if got := r.Header(); !reflect.DeepEqual(got, http.Header{"User-Agent": {"test"}, "X-Two": {"2"}}) {
		t.Errorf("Header() = %v", got)
	}
	if got := r.Query(); !reflect.DeepEqual(got, url.Values{"a": {"b", "c"}}) {
		t.Errorf("Query() = %v", got)
	}
	if got := r.GetHeader("User-Agent"); got != "test" {
		t.Errorf("GetHeader = %q", got)
	}
	if got := (&Request{}).Query(); len(got) != 0 {
		t.Errorf("empty Query() = %v", got)
	}
}

func BenchmarkNewRequest(b *testing.B) {
	var req fasthttp.Request
	raw := "GET /socket.io/?EIO=3&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: Go-http-client/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if err := req.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		b.Fatal(err)
	}
	ctx := &fasthttp.RequestCtx{}
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242}, nil)
	b.ReportAllocs()
	for b.Loop() {
		_ = newRequest(ctx)
	}
}
