package engineio

import (
	"context"
	"net"
	"testing"

	"github.com/valyala/fasthttp"
)

// FuzzHandler feeds arbitrary requests (method, URI, content type,
// upgrade headers, body) to the request router of a server with one live
// polling session: nothing may panic, and every request that is not an
// upgrade gets a status code.
func FuzzHandler(f *testing.F) {
	seeds := []struct{ method, uri, ctype, body string }{
		{"GET", "/engine.io/?EIO=3&transport=polling", "", ""},
		{"GET", "/engine.io/?EIO=3&transport=polling&b64=1&j=3x", "", ""},
		{"POST", "/engine.io/?EIO=3&transport=polling&sid=SID", "text/plain", "6:4hello"},
		{"POST", "/engine.io/?EIO=3&transport=polling&sid=SID", "application/octet-stream", "\x00\x02\xff4a\x01\x02\xff\x04\x01"},
		{"POST", "/engine.io/?EIO=3&transport=polling&sid=SID", "text/plain", "3:4\xc3\xa9"},
		{"OPTIONS", "/engine.io/?transport=polling&sid=SID", "", ""},
		{"PUT", "/engine.io/?transport=websocket&sid=SID", "", ""},
		{"GET", "/engine.io/?transport=polling&transport=websocket&sid=SID&sid=x", "", ""},
		{"GET", "/engine.io/?transport=websocket", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.uri, s.ctype, []byte(s.body), false)
	}
	f.Add("GET", "/engine.io/?transport=websocket&sid=SID", "", []byte{}, true)

	srv, err := NewServer(&Options{MaxHTTPBufferSize: 1 << 16, Logger: nil})
	if err != nil {
		f.Fatal(err)
	}
	srv.OnConnection(func(s *Socket) { s.OnMessage(func([]byte, bool) {}) })
	sock := newSocket(srv, "SID", &Request{})
	sock.poll = &pollTransport{b64: true}
	if !srv.register(sock) {
		f.Fatal("register")
	}
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			f.Error(err)
		}
	})
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	f.Fuzz(func(t *testing.T, method, uri, ctype string, body []byte, upgrade bool) {
		var req fasthttp.Request
		req.Header.SetMethod(method)
		req.SetRequestURI(uri)
		if ctype != "" {
			req.Header.SetContentType(ctype)
		}
		if upgrade {
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", "websocket")
		}
		req.SetBody(body)
		var ctx fasthttp.RequestCtx
		ctx.Init(&req, addr, nil)
		// A GET for the live session would park: keep it away.
		if ctx.IsGet() && !upgrade && string(ctx.QueryArgs().Peek("sid")) == "SID" {
			return
		}
		srv.Handler(&ctx)
		if !ctx.Hijacked() && ctx.Response.StatusCode() == 0 {
			t.Fatalf("no status for %s %q", method, uri)
		}
		// Keep the session alive for the next input.
		if srv.lookup("SID") == nil {
			sock = newSocket(srv, "SID", &Request{})
			sock.poll = &pollTransport{b64: true}
			srv.register(sock)
		}
	})
}
