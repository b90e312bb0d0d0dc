package engineio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fastsio/fastsio/engineio/packet"
)

// covers: SUP-01, EIO-MSG-17, SUP-02
func TestStringPayloadUTF8(t *testing.T) {
	ts := start(t, nil, echo)
	sid := ts.openB64()
	tests := []struct {
		name     string
		post     string // wire bytes
		wantEcho string
	}{
		{"SUP-01 e-acute", "3:4\xc3\x83\xc2\xa9", "3:4\xc3\x83\xc2\xa9"},
		{"SUP-01 mixed astral", "11:4a\xc3\xb0\xc2\x9f\xc2\x98\xc2\x80\xc3\x83\xc2\xa9\xc3\xa4\xc2\xb8\xc2\xad", "11:4a\xc3\xb0\xc2\x9f\xc2\x98\xc2\x80\xc3\x83\xc2\xa9\xc3\xa4\xc2\xb8\xc2\xad"},
		{"ascii", "6:4hello", "6:4hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := ts.send(sid, tt.post); string(r.body) != "ok" {
				t.Fatalf("POST %q", r.body)
			}
			if r := ts.poll(sid); string(r.body) != tt.wantEcho {
				t.Errorf("echo % x, want % x", r.body, tt.wantEcho)
			}
		})
	}
	t.Run("EIO-MSG-17 chinese both ways", func(t *testing.T) {
		msgs := []string{"石室詩士施氏，嗜獅，誓食十獅。", "氏時時適市視獅。", "."}
		ps := make([]packet.Packet, len(msgs))
		for i, m := range msgs {
			ps[i] = packet.Packet{Type: packet.Message, Data: []byte(m)}
		}
		ts.send(sid, string(packet.AppendStringPayload(nil, ps)))
		got := decodePayload(t, ts.poll(sid))
		if len(got) != 3 {
			t.Fatalf("%d packets", len(got))
		}
		for i, p := range got {
			if string(p.Data) != msgs[i] {
				t.Errorf("message %d = %q, want %q", i, p.Data, msgs[i])
			}
		}
	})
	t.Run("SUP-02 single UTF-8 is a parse error", func(t *testing.T) {
		sid := ts.openB64()
		ts.sock("connection")
		r := ts.send(sid, "2:4\xc3\xa9")
		if r.status != 200 || string(r.body) != "ok" || r.header.Get("Content-Type") != "text/html" {
			t.Errorf("POST answered %d %q %v", r.status, r.body, r.header)
		}
		if ev := ts.closed("close"); ev.id != sid || ev.reason != ReasonParseError {
			t.Errorf("close %+v", ev)
		}
		if r := ts.poll(sid); string(r.body) != `{"code":1,"message":"Session ID unknown"}` {
			t.Errorf("after close: %q", r.body)
		}
	})
}

// covers: EIO-MSG-01, EIO-MSG-12, SUP-03, EIO-CL-15
func TestPollingMessages(t *testing.T) {
	ts := start(t, nil, echo)
	t.Run("EIO-MSG-01 server message", func(t *testing.T) {
		sid := ts.openB64()
		s := ts.sock("connection")
		if err := s.Send(text("a"), SendOptions{}); err != nil {
			t.Fatal(err)
		}
		if r := ts.poll(sid); string(r.body) != "2:4a" {
			t.Errorf("GET %q", r.body)
		}
	})
	t.Run("EIO-MSG-12 SUP-03 binary payloads", func(t *testing.T) {
		od, _ := ts.handshake("") // no b64: binary payloads
		ts.sock("connection")
		body := []byte{0x00, 0x03, 0xff, '4', 'h', 'i', 0x01, 0x04, 0xff, 0x04, 1, 2, 3}
		r := ts.do("POST", "EIO=3&transport=polling&sid="+od.SID, map[string]string{"Content-Type": "application/octet-stream"}, body)
		if string(r.body) != "ok" {
			t.Fatalf("POST %q", r.body)
		}
		g := ts.poll(od.SID)
		if g.header.Get("Content-Type") != "application/octet-stream" || !bytes.Equal(g.body, body) {
			t.Errorf("GET %q % x, want % x", g.header.Get("Content-Type"), g.body, body)
		}
	})
	t.Run("b64 binary echo", func(t *testing.T) {
		sid := ts.openB64()
		ts.send(sid, "6:b4AQID")
		if r := ts.poll(sid); string(r.body) != "6:b4AQID" {
			t.Errorf("GET %q", r.body)
		}
	})
	t.Run("EIO-CL-15 Connection close", func(t *testing.T) {
		hdr := map[string]string{"Connection": "close"}
		r := ts.do("GET", "EIO=3&transport=polling&b64=1", hdr, nil)
		sid := decodeOpen(t, r).SID
		ts.do("POST", "EIO=3&transport=polling&sid="+sid, hdr, []byte("2:4x"))
		if r := ts.do("GET", "EIO=3&transport=polling&sid="+sid, hdr, nil); string(r.body) != "2:4x" {
			t.Errorf("GET %q", r.body)
		}
	})
	t.Run("ping pong", func(t *testing.T) {
		sid := ts.openB64()
		ts.send(sid, "5:2abcd1:2")
		if r := ts.poll(sid); string(r.body) != "1:31:3" {
			t.Errorf("pongs %q (never with data, SUP-15)", r.body)
		}
	})
	t.Run("parked GET is answered by a send", func(t *testing.T) {
		sid := ts.openB64()
		g := ts.pollAsync(sid)
		waitParked(t, ts.Server, sid)
		ts.send(sid, "3:4hi")
		if r := recv(t, g, "GET"); string(r.body) != "3:4hi" {
			t.Errorf("GET %q", r.body)
		}
	})
}

func decodeOpen(t *testing.T, r resp) openData {
	t.Helper()
	var od openData
	p := decodePayload(t, r)
	if len(p) != 1 {
		t.Fatalf("payload %q", r.body)
	}
	if err := json.Unmarshal(p[0].Data, &od); err != nil {
		t.Fatal(err)
	}
	return od
}

// waitParked waits until the session has a GET parked.
func waitParked(t *testing.T, srv *Server, sid string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		s := srv.lookup(sid)
		if s != nil {
			s.mu.Lock()
			parked := s.poll != nil && s.poll.get != nil
			s.mu.Unlock()
			if parked {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no GET parked for %s", sid)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// covers: SUP-05, SUP-06, SUP-08, EIO-HDR-03, EIO-HDR-04, EIO-HDR-02
func TestPollingMethodsAndHeaders(t *testing.T) {
	ts := start(t, nil, nil)
	sid := ts.openB64()
	s := ts.sock("connection")
	cookie := "io=" + sid + "; Path=/; HttpOnly"
	t.Run("SUP-05 OPTIONS with sid", func(t *testing.T) {
		r := ts.do("OPTIONS", "EIO=3&transport=polling&sid="+sid, map[string]string{"Origin": "http://a"}, nil)
		if r.status != 200 || len(r.body) != 0 || r.header.Get("Access-Control-Allow-Headers") != "Content-Type" ||
			r.header.Get("Set-Cookie") != cookie || r.header.Get("Content-Type") != "" ||
			r.header.Get("Access-Control-Allow-Origin") != "http://a" || r.header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("OPTIONS %d %q %v", r.status, r.body, r.header)
		}
	})
	t.Run("SUP-06 PUT with sid", func(t *testing.T) {
		r := ts.do("PUT", "EIO=3&transport=polling&sid="+sid, nil, []byte("x"))
		if r.status != 500 || len(r.body) != 0 {
			t.Errorf("PUT %d %q", r.status, r.body)
		}
		if ts.ClientsCount() != 1 {
			t.Errorf("session affected")
		}
	})
	t.Run("SUP-08 POST response", func(t *testing.T) {
		r := ts.send(sid, "1:2")
		if r.status != 200 || string(r.body) != "ok" || r.header.Get("Content-Type") != "text/html" ||
			r.header.Get("Content-Length") != "2" || r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("Set-Cookie") != cookie {
			t.Errorf("POST %d %q %v", r.status, r.body, r.header)
		}
		ts.poll(sid) // the pong
	})
	for _, ua := range []struct{ name, ua string }{
		{"EIO-HDR-03 IE8", "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)"},
		{"EIO-HDR-04 IE11", "Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko"},
	} {
		t.Run(ua.name, func(t *testing.T) {
			hdr := map[string]string{"User-Agent": ua.ua}
			if r := ts.do("POST", "EIO=3&transport=polling&sid="+sid, hdr, []byte("1:2")); r.header.Get("X-XSS-Protection") != "0" {
				t.Errorf("POST headers %v", r.header)
			}
			if r := ts.do("GET", "EIO=3&transport=polling&sid="+sid, hdr, nil); r.header.Get("X-XSS-Protection") != "0" {
				t.Errorf("GET headers %v", r.header)
			}
		})
	}
	t.Run("IE header spelling on the wire", func(t *testing.T) {
		got := rawHTTP(t, ts.addr, "POST /engine.io/?EIO=3&transport=polling&sid="+sid+" HTTP/1.1\r\nHost: x\r\nUser-Agent: x;MSIE 9\r\nContent-Length: 3\r\nConnection: close\r\n\r\n1:2")
		if !strings.Contains(got, "\r\nX-XSS-Protection: 0\r\n") {
			t.Errorf("response %q", got)
		}
		ts.poll(sid)
	})
	t.Run("no IE header otherwise", func(t *testing.T) {
		r := ts.do("POST", "EIO=3&transport=polling&sid="+sid, map[string]string{"User-Agent": "MSIE 8.0"}, []byte("1:2"))
		if r.header.Get("X-XSS-Protection") != "" {
			t.Errorf("headers %v", r.header)
		}
		ts.poll(sid)
	})
	t.Run("EIO-HDR-02 handshake headers visible", func(t *testing.T) {
		ts.do("GET", "EIO=3&transport=polling&b64=1", map[string]string{"X-Custom-Header-For-My-Project": "my-secret-access-token", "Cookie": "user_session=NI2JlCKF90aE0sJZD9ZzujtdsUqNYSBYxzlTsvdSUe35ZzdtVRGqYFr0kdGxbfc5gUOkR9RGp20GVKza; path=/; expires=Tue, 07-Apr-2015 18:18:08 GMT; secure; HttpOnly"}, nil)
		req := ts.sock("connection").Request()
		if req.Header().Get("X-Custom-Header-For-My-Project") != "my-secret-access-token" || !strings.Contains(req.Header().Get("Cookie"), "user_session=NI2J") {
			t.Errorf("headers %v", req.Header())
		}
	})
	_ = s
}

// covers: SUP-07, EIO-CL-14, SUP-23, SUP-22, EIO-CL-07, EIO-MSG-02
func TestPollingCloseCases(t *testing.T) {
	ts := start(t, nil, nil)
	t.Run("SUP-07 overlapping GET", func(t *testing.T) {
		sid := ts.openB64()
		ts.sock("connection")
		first := ts.pollAsync(sid)
		waitParked(t, ts.Server, sid)
		if r := ts.poll(sid); r.status != 500 || len(r.body) != 0 {
			t.Errorf("second GET %d %q", r.status, r.body)
		}
		if r := recv(t, first, "first GET"); string(r.body) != "1:1" {
			t.Errorf("first GET %q", r.body)
		}
		if ev := ts.closed("close"); ev.reason != ReasonTransportError {
			t.Errorf("reason %q", ev.reason)
		}
		if r := ts.poll(sid); r.status != 400 {
			t.Errorf("after close %d", r.status)
		}
	})
	t.Run("EIO-CL-14 parked GET connection dropped", func(t *testing.T) {
		sid := ts.openB64()
		ts.sock("connection")
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte("GET /engine.io/?EIO=3&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		waitParked(t, ts.Server, sid)
		c.Close()
		if ev := ts.closed("close"); ev.id != sid || ev.reason != ReasonTransportError {
			t.Errorf("close %+v", ev)
		}
	})
	t.Run("SUP-23 client close with parked GET", func(t *testing.T) {
		sid := ts.openB64()
		ts.sock("connection")
		g := ts.pollAsync(sid)
		waitParked(t, ts.Server, sid)
		if r := ts.send(sid, "1:1"); string(r.body) != "ok" {
			t.Errorf("POST %q", r.body)
		}
		if r := recv(t, g, "GET"); string(r.body) != "1:6" {
			t.Errorf("parked GET %q, want 1:6", r.body)
		}
		if ev := ts.closed("close"); ev.reason != ReasonTransportClose {
			t.Errorf("reason %q (EIO-CL-10)", ev.reason)
		}
	})
	t.Run("SUP-22 server close without parked GET", func(t *testing.T) {
		sid := ts.openB64()
		s := ts.sock("connection")
		s.Close()
		r := ts.do("GET", "EIO=3&transport=polling&sid="+sid, nil, nil)
		if string(r.body) != "1:61:1" {
			t.Errorf("GET %q, want 1:61:1", r.body)
		}
		if ev := ts.closed("close"); ev.reason != ReasonForcedClose {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("SUP-22 binary form", func(t *testing.T) {
		od, _ := ts.handshake("")
		s := ts.sock("connection")
		s.Close()
		if r := ts.poll(od.SID); !bytes.Equal(r.body, []byte{0, 1, 0xff, '6', 0, 1, 0xff, '1'}) {
			t.Errorf("GET % x", r.body)
		}
		ts.closed("close")
	})
	t.Run("EIO-CL-07 server close with parked GET", func(t *testing.T) {
		sid := ts.openB64()
		s := ts.sock("connection")
		g := ts.pollAsync(sid)
		waitParked(t, ts.Server, sid)
		s.Close()
		if r := recv(t, g, "GET"); string(r.body) != "1:1" {
			t.Errorf("GET %q", r.body)
		}
		if ev := ts.closed("close"); ev.reason != ReasonForcedClose {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("EIO-MSG-02 messages buffered with close", func(t *testing.T) {
		sid := ts.openB64()
		s := ts.sock("connection")
		_ = s.Send(text("a"), SendOptions{})
		if r := ts.poll(sid); string(r.body) != "2:4a" {
			t.Errorf("GET %q", r.body)
		}
		_ = s.Send(text("b"), SendOptions{})
		_ = s.Send(text("c"), SendOptions{})
		s.Close()
		if err := s.Send(text("d"), SendOptions{}); err != ErrClosed {
			t.Errorf("send while closing: %v", err)
		}
		if r := ts.poll(sid); string(r.body) != "2:4b2:4c" {
			t.Errorf("GET %q", r.body)
		}
		if r := ts.poll(sid); string(r.body) != "1:61:1" {
			t.Errorf("GET %q", r.body)
		}
		if ev := ts.closed("close"); ev.reason != ReasonForcedClose {
			t.Errorf("reason %q", ev.reason)
		}
	})
}

// covers: EIO-MSG-03, EIO-MSG-04, SUP-27
func TestMaxHTTPBufferSize(t *testing.T) {
	ts := start(t, &Options{MaxHTTPBufferSize: 5}, nil)
	var got []string
	sid := ts.openB64()
	s := ts.sock("connection")
	done := make(chan struct{}, 10)
	s.OnMessage(func(d []byte, _ bool) { got = append(got, string(d)); done <- struct{}{} })
	t.Run("EIO-MSG-04 within the limit", func(t *testing.T) {
		if r := ts.send(sid, "2:4a"); string(r.body) != "ok" {
			t.Fatalf("POST %q", r.body)
		}
		recv(t, done, "message")
		if len(got) != 1 || got[0] != "a" {
			t.Errorf("messages %q", got)
		}
	})
	t.Run("EIO-MSG-03 SUP-27 over the limit", func(t *testing.T) {
		raw := rawHTTP(t, ts.addr, "POST /engine.io/?EIO=3&transport=polling&sid="+sid+" HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\n3:4abc")
		if raw != "" {
			t.Errorf("got a response %q, want the connection dropped", raw)
		}
		if ev := ts.closed("close"); ev.reason != ReasonTransportError {
			t.Errorf("reason %q", ev.reason)
		}
		if len(got) != 1 {
			t.Errorf("oversized message delivered: %q", got)
		}
	})
}

// covers: EIO-CL-28
func TestPOSTParseErrors(t *testing.T) {
	ts := start(t, nil, nil)
	tests := []struct {
		name, ctype, body string
		delivered         int
	}{
		{"EIO-CL-28 invalid", "text/plain", "invalid", 0},
		{"empty body", "text/plain", "", 0},
		{"bad type digit", "text/plain", "1:7", 0},
		{"short packet", "text/plain", "5:4a", 0},
		{"trailing garbage after good packet", "text/plain", "2:4a1", 1},
		{"bad binary framing", "application/octet-stream", "\x00\x01", 0},
		{"content type with params is a string payload", "application/octet-stream; x=1", "\x00\x02\xff4a", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sid := ts.openB64()
			s := ts.sock("connection")
			c := newCollector(s)
			r := ts.do("POST", "EIO=3&transport=polling&sid="+sid, map[string]string{"Content-Type": tt.ctype}, []byte(tt.body))
			if r.status != 200 || string(r.body) != "ok" {
				t.Errorf("POST %d %q", r.status, r.body)
			}
			if ev := ts.closed("close"); ev.reason != ReasonParseError {
				t.Errorf("reason %q", ev.reason)
			}
			if n := len(c.wait(t, tt.delivered)); n != tt.delivered {
				t.Errorf("%d messages delivered, want %d", n, tt.delivered)
			}
		})
	}
}

// TestOverlappingPOST: a second POST while one is being processed (E§6.2).
func TestOverlappingPOST(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	ts := start(t, nil, func(s *Socket) {
		s.OnMessage(func([]byte, bool) {
			entered <- struct{}{}
			<-release
		})
	})
	sid := ts.openB64()
	ts.sock("connection")
	first := ts.doAsync("POST", "EIO=3&transport=polling&sid="+sid, nil, []byte("2:4a"))
	recv(t, entered, "first POST delivering")
	r := ts.send(sid, "2:4b")
	close(release)
	if r.status != 500 {
		t.Errorf("overlapping POST %d %q", r.status, r.body)
	}
	if r := recv(t, first, "first POST"); string(r.body) != "ok" {
		t.Errorf("first POST %q", r.body)
	}
	if ev := ts.closed("close"); ev.reason != ReasonTransportError {
		t.Errorf("reason %q", ev.reason)
	}
}

// covers: SUP-27
// Oversized POSTs in every form: declared length, chunked, and a streamed
// body (Serve streams bodies above 4 MiB) within and beyond the limit.
func TestPOSTSizeForms(t *testing.T) {
	t.Run("declared length far over the limit", func(t *testing.T) {
		ts := start(t, &Options{MaxHTTPBufferSize: 5}, nil)
		sid := ts.openB64()
		ts.sock("connection")
		body := strings.Repeat("x", 100000)
		raw := rawHTTP(t, ts.addr, "POST /engine.io/?EIO=3&transport=polling&sid="+sid+" HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"+body)
		if raw != "" {
			t.Errorf("response %q, want the connection dropped", raw)
		}
		if ev := ts.closed("close"); ev.reason != ReasonTransportError {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("chunked over the limit", func(t *testing.T) {
		ts := start(t, &Options{MaxHTTPBufferSize: 5}, nil)
		sid := ts.openB64()
		ts.sock("connection")
		raw := rawHTTP(t, ts.addr, "POST /engine.io/?EIO=3&transport=polling&sid="+sid+" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n8:4abcdef\r\n0\r\n\r\n")
		if raw != "" {
			t.Errorf("response %q, want the connection dropped", raw)
		}
		if ev := ts.closed("close"); ev.reason != ReasonTransportError {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("broken chunked upload", func(t *testing.T) {
		ts := start(t, nil, nil)
		sid := ts.openB64()
		ts.sock("connection")
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte("POST /engine.io/?EIO=3&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100\r\n6:4hel"))
		time.Sleep(20 * time.Millisecond) // let the handler start reading the stream
		c.Close()
		if ev := ts.closed("close"); ev.reason != ReasonTransportError {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("streamed body within the limit", func(t *testing.T) {
		ts := start(t, nil, nil)
		sid := ts.openB64()
		col := newCollector(ts.sock("connection"))
		msg := strings.Repeat("y", 5<<20)
		p := strconv.Itoa(len(msg)+1) + ":4" + msg
		if r := ts.send(sid, p); string(r.body) != "ok" {
			t.Fatalf("POST %d %q", r.status, r.body)
		}
		if got := col.wait(t, 1); len(got[0].Data) != len(msg) {
			t.Errorf("got %d bytes", len(got[0].Data))
		}
	})
	t.Run("streamed body over the limit", func(t *testing.T) {
		ts := start(t, &Options{MaxHTTPBufferSize: 5 << 20}, nil)
		sid := ts.openB64()
		ts.sock("connection")
		body := strings.Repeat("z", 5<<20+10)
		raw := rawHTTP(t, ts.addr, "POST /engine.io/?EIO=3&transport=polling&sid="+sid+" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+strconv.FormatInt(int64(len(body)), 16)+"\r\n"+body+"\r\n0\r\n\r\n")
		if raw != "" {
			t.Errorf("response of %d bytes, want the connection dropped", len(raw))
		}
		if ev := ts.closed("close"); ev.reason != ReasonTransportError {
			t.Errorf("reason %q", ev.reason)
		}
	})
}

// TestMultiMessageSendIntoParkedGET: like 1.8.3, which flushes on every
// message, a parked GET takes only the first message of a Send; the rest
// comes with the next GET.
func TestMultiMessageSendIntoParkedGET(t *testing.T) {
	ts := start(t, nil, nil)
	sid := ts.openB64()
	s := ts.sock("connection")
	g := ts.pollAsync(sid)
	waitParked(t, ts.Server, sid)
	_ = s.Send([]Message{{Data: []byte(`51-["e",{"_placeholder":true,"num":0}]`)}, {Data: []byte{1, 2, 3}, Binary: true}}, SendOptions{})
	if r := recv(t, g, "GET"); string(r.body) != `39:451-["e",{"_placeholder":true,"num":0}]` {
		t.Errorf("parked GET %q", r.body)
	}
	if r := ts.poll(sid); string(r.body) != "6:b4AQID" {
		t.Errorf("next GET %q", r.body)
	}
	// Without a parked GET everything waits together.
	_ = s.Send([]Message{{Data: []byte("a")}, {Data: []byte("b")}}, SendOptions{})
	if r := ts.poll(sid); string(r.body) != "2:4a2:4b" {
		t.Errorf("GET %q", r.body)
	}
}

// TestOnBatchEnd: called once per POST payload and per WebSocket message,
// after its messages.
func TestOnBatchEnd(t *testing.T) {
	var mu sync.Mutex
	var events []string
	ts := start(t, nil, func(s *Socket) {
		s.OnMessage(func(d []byte, _ bool) { mu.Lock(); events = append(events, string(d)); mu.Unlock() })
		s.OnBatchEnd(func() { mu.Lock(); events = append(events, "|"); mu.Unlock() })
	})
	sid := ts.openB64()
	ts.sock("connection")
	ts.send(sid, "2:4a2:4b")
	ts.send(sid, "1:2") // a ping only: no batch end
	ts.send(sid, "2:4c")
	c, _ := ts.openWS("")
	ts.sock("connection")
	writeWS(t, c, 1, "4d")
	writeWS(t, c, 1, "2")
	if got := readWSText(t, c); got != "3" {
		t.Fatalf("pong %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(events, ""); got != "ab|c|d|" {
		t.Errorf("events %q, want ab|c|d|", got)
	}
}

// TestPipelinedRequestOnParkedGET: a request pipelined behind a parked GET
// is consumed by the drop probe; the session survives, the poll is answered
// with Connection: close and the connection ends.
func TestPipelinedRequestOnParkedGET(t *testing.T) {
	ts := start(t, nil, nil)
	sid := ts.openB64()
	s := ts.sock("connection")
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	get := "GET /engine.io/?EIO=3&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: x\r\n\r\n"
	if _, err := c.Write([]byte(get)); err != nil {
		t.Fatal(err)
	}
	waitParked(t, ts.Server, sid)
	if _, err := c.Write([]byte(get)); err != nil { // pipelined
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // give the probe time to see it
	_ = s.Send(text("x"), SendOptions{})
	_ = c.SetDeadline(time.Now().Add(waitTimeout))
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "2:4x" {
		t.Fatalf("response %d %q", res.StatusCode, body)
	}
	if !res.Close {
		t.Skip("the pipelined request arrived after the probe stopped (slow machine)")
	}
	if n, err := br.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("connection still open after Connection: close")
	}
	if ts.lookup(sid) == nil {
		t.Errorf("session closed")
	}
}
