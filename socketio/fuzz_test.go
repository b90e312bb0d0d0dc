package socketio

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	parser "github.com/fastsio/fastsio/socketio-parser"
)

// FuzzClientMessages feeds arbitrary engine.io messages to a client with
// the test handlers installed: nothing may panic, hang or leak, and the
// server must still close cleanly.
func FuzzClientMessages(f *testing.F) {
	seeds := []string{
		"0/chat\x002/chat,[\"echo\",1]",
		"2[\"echo\",1]\x0021[\"ack2\"]\x003/chat,0[1]",
		"51-[\"echo\",{\"_placeholder\":true,\"num\":0}]\x00\x01\x02",
		"5\x00\x01",
		"0/chat?a=b\x001/chat\x000/chat",
		"4\"x\"\x002\"x\"\x002{}\x002[]\x00x",
		"0/auth?token=1\x002/auth,[\"whoami\"]",
		"2[\"to\",\"r\",\"ev\"]\x002[\"join\",\"r\"]\x002[\"broadcast\",\"e\"]",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ts := newTestServer(t, nil)
		echoApp(ts, "/", "/chat")
		roomApp(ts, "/", "/chat")
		ts.Of("/auth").Use(func(s *Socket) error { return &MiddlewareError{Data: map[string]any{"x": 1}} })
		f := ts.open("")
		// Messages are separated by NUL; a message starting with \x01 is
		// binary.
		for _, m := range bytes.Split(in, []byte{0}) {
			if len(m) > 0 && m[0] == 1 {
				f.c.onMessage(m[1:], true)
				continue
			}
			f.c.onMessage(m, false)
		}
		f.sync(t)
		f.engineClose(ReasonTransportClose)
	})
}

// FuzzParseQuery checks the query parser and the namespace split never
// panic and that a parsed query serialises to valid-looking JSON.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"/chat?a=1&a=2&b&&=x&c=%zz&d=a+b", "/a#b?x", "?%", "/x?%e2%82", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, raw := splitNamespace(s)
		if strings.ContainsAny(name, "?#") {
			t.Fatalf("name %q keeps a query or fragment", name)
		}
		q := parseQuery(raw)
		b, err := q.MarshalJSON()
		if err != nil || len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
			t.Fatalf("MarshalJSON %q: %v", b, err)
		}
	})
}

// FuzzOrderedValue checks the ordered JSON reader against encoding/json:
// for valid JSON both must agree on the value (order aside); invalid input
// must be rejected by both, never panic.
func FuzzOrderedValue(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[1,2,{"c":null}]}`, `"\u00e9\ud83d\ude00"`, `-1.5e-7`, `[true,false,null]`, `{"a":1,"a":2}`, `[1,]`, `"\x01"`, ` [ 1 , 2 ] `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := orderedValue(in)
		if !json.Valid(in) {
			return // may or may not be rejected: the parser validated real input already
		}
		if err != nil {
			// Numbers out of float64 range are the only valid JSON we refuse.
			var x any
			if json.Unmarshal(in, &x) == nil {
				t.Fatalf("valid JSON %q rejected: %v", in, err)
			}
			return
		}
		out, _, err := parser.AppendJSON(nil, nil, v)
		if err != nil {
			t.Fatalf("re-encode %q: %v", in, err)
		}
		var a, b any
		if err := json.Unmarshal(in, &a); err != nil {
			return
		}
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatalf("re-encoded %q is invalid: %s", in, out)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%q: got %s", in, out)
		}
	})
}
