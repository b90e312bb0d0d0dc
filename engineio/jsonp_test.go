package engineio

import (
	"net/url"
	"strings"
	"testing"

	"github.com/fastsio/fastsio/engineio/packet"
)

// jsonpPost sends a JSONP form POST with d = the escaped string payload, as
// the browser client does (backslash-n doubled, newlines as backslash-n).
func jsonpPost(ts *tsrv, sid, payload string) resp {
	esc := strings.ReplaceAll(payload, `\n`, `\\n`)
	esc = strings.ReplaceAll(esc, "\n", `\n`)
	return ts.do("POST", "EIO=3&transport=polling&j=0&sid="+sid,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte("d="+url.QueryEscape(esc)))
}

// jsonpGet returns the unwrapped string payload of a JSONP GET.
func jsonpGet(t *testing.T, ts *tsrv, sid, j string) (index, payload string, r resp) {
	t.Helper()
	r = ts.do("GET", "EIO=3&transport=polling&j="+j+"&sid="+sid, nil, nil)
	idx, p, err := packet.ParseJSONP(r.body)
	if err != nil {
		t.Fatalf("JSONP body %q: %v", r.body, err)
	}
	return string(idx), string(p), r
}

// covers: EIO-JSONP-01, EIO-JSONP-02, EIO-JSONP-03, EIO-JSONP-04, EIO-JSONP-05, EIO-JSONP-06, EIO-JSONP-07, SUP-24, SUP-25, SUP-26
func TestJSONP(t *testing.T) {
	ts := start(t, nil, echo)
	open := func(j string, b64 bool) (string, resp) {
		q := "EIO=3&transport=polling&j=" + j
		if b64 {
			q += "&b64=1"
		}
		r := ts.do("GET", q, nil, nil)
		_, p, err := packet.ParseJSONP(r.body)
		if err != nil {
			t.Fatalf("handshake %q: %v", r.body, err)
		}
		var sid string
		_ = packet.DecodeStringPayload(p, func(pk packet.Packet) error {
			sid = string(pk.Data[8:28])
			return nil
		})
		ts.sock("connection")
		return sid, r
	}
	t.Run("EIO-JSONP-01 SUP-24 handshake", func(t *testing.T) {
		sid, r := open("3x5", true)
		if !strings.HasPrefix(string(r.body), `___eio[35]("97:0{\"sid\":\"`+sid+`\",\"upgrades\":[\"websocket\"],`) || !strings.HasSuffix(string(r.body), `}");`) {
			t.Errorf("body %q", r.body)
		}
		if r.header.Get("Content-Type") != "text/plain; charset=UTF-8" || r.header.Get("Access-Control-Allow-Origin") != "" ||
			r.header.Get("Set-Cookie") != "io="+sid+"; Path=/; HttpOnly" {
			t.Errorf("headers %v", r.header)
		}
		// j is frozen at the handshake.
		jsonpPost(ts, sid, "1:2")
		if idx, p, _ := jsonpGet(t, ts, sid, "9"); idx != "35" || p != "1:3" {
			t.Errorf("GET ___eio[%s](%q)", idx, p)
		}
	})
	t.Run("empty j", func(t *testing.T) {
		_, r := open("", true)
		if !strings.HasPrefix(string(r.body), `___eio[]("`) {
			t.Errorf("body %q", r.body)
		}
	})
	t.Run("EIO-JSONP-02 EIO-JSONP-03 EIO-JSONP-04 SUP-26 round trips", func(t *testing.T) {
		sid, _ := open("0", true)
		for _, msg := range []string{
			"hello",
			`{"test":"a\r\nb\n\n\n\nc"}`,
			"a\r\nb\n\n\n\nc",
			"a\nb\\nc é\u2028",
		} {
			p := string(packet.AppendStringPayload(nil, []packet.Packet{{Type: packet.Message, Data: []byte(msg)}}))
			r := jsonpPost(ts, sid, p)
			if r.status != 200 || string(r.body) != "ok" || r.header.Get("Access-Control-Allow-Origin") != "" {
				t.Fatalf("POST %d %q %v", r.status, r.body, r.header)
			}
			_, got, _ := jsonpGet(t, ts, sid, "0")
			var echoed string
			_ = packet.DecodeStringPayload([]byte(got), func(pk packet.Packet) error { echoed = string(pk.Data); return nil })
			if echoed != msg {
				t.Errorf("echo %q, want %q", echoed, msg)
			}
		}
	})
	t.Run("EIO-JSONP-05 binary as base64", func(t *testing.T) {
		sid, _ := open("0", true)
		jsonpPost(ts, sid, "10:b4AAECAwQ=")
		if _, got, _ := jsonpGet(t, ts, sid, "0"); got != "10:b4AAECAwQ=" {
			t.Errorf("echo %q", got)
		}
	})
	t.Run("SUP-25 JSONP without b64", func(t *testing.T) {
		r := ts.do("GET", "EIO=3&transport=polling&j=2", nil, nil)
		ts.sock("connection")
		body := string(r.body)
		if !strings.HasPrefix(body, `___eio[2]({"type":"Buffer","data":[0,9,7,255,48,123,34,`) || !strings.HasSuffix(body, `,125]});`) {
			t.Errorf("body %q", body)
		}
		if r.header.Get("Content-Type") != "text/plain; charset=UTF-8" {
			t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
		}
	})
	t.Run("SUP-26 no d, garbage d", func(t *testing.T) {
		sid, _ := open("0", true)
		r := ts.do("POST", "EIO=3&transport=polling&j=0&sid="+sid, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte("x=1"))
		if string(r.body) != "ok" || ts.lookup(sid) == nil {
			t.Fatalf("POST without d: %q", r.body)
		}
		if r := jsonpPost(ts, sid, "garbage"); string(r.body) != "ok" {
			t.Fatalf("POST %q", r.body)
		}
		if ev := ts.closed("close"); ev.id != sid || ev.reason != ReasonParseError {
			t.Errorf("close %+v", ev)
		}
	})
	t.Run("OPTIONS on JSONP is 500", func(t *testing.T) {
		sid, _ := open("0", true)
		if r := ts.do("OPTIONS", "EIO=3&transport=polling&j=0&sid="+sid, nil, nil); r.status != 500 {
			t.Errorf("status %d", r.status)
		}
	})
	t.Run("EIO-JSONP-06 server close", func(t *testing.T) {
		sid, _ := open("0", true)
		s := ts.lookup(sid)
		g := ts.doAsync("GET", "EIO=3&transport=polling&j=0&sid="+sid, nil, nil)
		waitParked(t, ts.Server, sid)
		s.Close()
		if r := recv(t, g, "GET"); string(r.body) != `___eio[0]("1:1");` {
			t.Errorf("GET %q", r.body)
		}
		if ev := ts.closed("close"); ev.reason != ReasonForcedClose {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("EIO-JSONP-07 client close", func(t *testing.T) {
		sid, _ := open("0", true)
		jsonpPost(ts, sid, "1:1")
		if ev := ts.closed("close"); ev.reason != ReasonTransportClose {
			t.Errorf("reason %q", ev.reason)
		}
	})
}
