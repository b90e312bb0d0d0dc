package recording

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

const metaLine = `{"kind":"meta","name":"x","layer":"engineio","client":"c","server":"s","transports":"polling","description":"d"}`

func TestReaderErrors(t *testing.T) {
	req := `{"kind":"http_request","seq":0,"t_ms":0,"conn":1,"req":0,"method":"GET","url":"/e/?transport=polling","headers":[],"body":""}`
	cases := []struct {
		name, in string
		line     int
		reason   string
	}{
		{"empty", "", 1, "empty recording"},
		{"not meta", req, 1, `kind "http_request"`},
		{"bad layer", `{"kind":"meta","name":"x","layer":"http"}`, 1, "layer"},
		{"no name", `{"kind":"meta","layer":"engineio"}`, 1, "without name"},
		{"bad json", metaLine + "\n{", 2, "unexpected end"},
		{"unknown kind", metaLine + "\n" + `{"kind":"udp","seq":0,"t_ms":0,"conn":1}`, 2, `unknown event kind "udp"`},
		{"second meta", metaLine + "\n" + metaLine, 2, "second meta"},
		{"seq gap", metaLine + "\n" + strings.Replace(req, `"seq":0`, `"seq":1`, 1), 2, "seq 1, want 0"},
		{"missing t_ms", metaLine + "\n" + strings.Replace(req, `"t_ms":0,`, "", 1), 2, `without "t_ms"`},
		{"response to unknown req", metaLine + "\n" + `{"kind":"http_response","seq":0,"t_ms":0,"conn":1,"req":5,"status":200,"headers":[],"body":""}`, 2, "unknown req 5"},
		{"bad status", metaLine + "\n" + req + "\n" + `{"kind":"http_response","seq":1,"t_ms":0,"conn":1,"req":0,"status":20,"headers":[],"body":""}`, 3, "status 20"},
		{"duplicate req", metaLine + "\n" + req + "\n" + strings.Replace(req, `"seq":0`, `"seq":1`, 1), 3, "used twice"},
		{"bad dir", metaLine + "\n" + `{"kind":"ws_frame","seq":0,"t_ms":0,"conn":1,"dir":"up","opcode":1,"data":""}`, 2, `dir "up"`},
		{"bad opcode", metaLine + "\n" + `{"kind":"ws_frame","seq":0,"t_ms":0,"conn":1,"dir":"c2s","opcode":3,"data":""}`, 2, "opcode 3"},
		{"bad base64", metaLine + "\n" + `{"kind":"ws_frame","seq":0,"t_ms":0,"conn":1,"dir":"c2s","opcode":1,"data":"!!"}`, 2, "illegal base64"},
		{"bad close", metaLine + "\n" + `{"kind":"tcp_close","seq":0,"t_ms":0,"conn":1,"by":"me"}`, 2, `by "me"`},
		{"blank lines skipped, line counted", metaLine + "\n\n" + `{"kind":"tcp_close","seq":0,"t_ms":0,"conn":1,"by":"me"}`, 3, `by "me"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.in), "f.jsonl")
			var fe *FormatError
			if !errors.As(err, &fe) || !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want *FormatError", err)
			}
			if fe.File != "f.jsonl" || fe.Line != c.line || !strings.Contains(fe.Reason, c.reason) {
				t.Fatalf("err = %v, want line %d containing %q", err, c.line, c.reason)
			}
			if !strings.HasPrefix(err.Error(), "recording: f.jsonl:") {
				t.Fatalf("message %q", err)
			}
		})
	}
}

// Writing and reading back gives the same events, with seq assigned by the
// Writer and unknown fields ignored by the Reader.
func TestWriteReadRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	m := Meta{Name: "rt", Layer: "socketio", Client: "socket.io-client@1.7.3", Server: "fastsio", Transports: "websocket", Description: "<&>"}
	w, err := NewWriter(&buf, m)
	if err != nil {
		t.Fatal(err)
	}
	evs := []Event{
		&HTTPRequest{Common: Common{Seq: 99, TMs: 0.25, Conn: 1}, Req: 0, Method: "GET", URL: "/socket.io/?EIO=3&transport=websocket", Headers: Headers{{"Upgrade", "websocket"}, {"X-a", "1"}}},
		&HTTPResponse{Common: Common{TMs: 1, Conn: 1}, Req: 0, Status: 101, Headers: Headers{}},
		&WSFrame{Common: Common{TMs: 2, Conn: 1}, Dir: "s2c", Opcode: 2, Data: []byte{0, 0xff}, Compressed: true},
		&TCPClose{Common: Common{TMs: 3, Conn: 1}, By: "server"},
	}
	for _, ev := range evs {
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(buf.String(), `"description":"<&>"`) || !strings.Contains(buf.String(), `transport=websocket"`) {
		t.Fatalf("HTML-escaped output:\n%s", buf.String())
	}
	in := strings.Replace(buf.String(), `"by":"server"`, `"by":"server","extra":[1]`, 1)
	rec, err := Read(strings.NewReader(in), "rt")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Meta != m || len(rec.Events) != len(evs) {
		t.Fatalf("got %+v", rec)
	}
	for i, ev := range rec.Events {
		a, _ := MarshalEvent(ev)
		b, _ := MarshalEvent(evs[i])
		if !bytes.Equal(a, b) || ev.Base().Seq != i {
			t.Errorf("event %d: %s != %s", i, a, b)
		}
	}
	if h := rec.Events[0].(*HTTPRequest).Headers; h.Get("upgrade") != "websocket" || h.Get("nope") != "" {
		t.Error("Headers.Get")
	}
}

func TestReaderStreaming(t *testing.T) {
	r := NewReader(strings.NewReader(metaLine+"\n"+`{"kind":"tcp_close","seq":0,"t_ms":1.5,"conn":2,"by":"client"}`+"\n"), "s")
	ev, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := ev.(*TCPClose); !ok || c.By != "client" || c.TMs != 1.5 || c.Conn != 2 {
		t.Fatalf("got %#v", ev)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("err = %v, want EOF", err)
	}
}

func TestDecompress(t *testing.T) {
	body := []byte("3:4hi")
	for _, c := range []struct {
		enc  string
		data []byte
	}{{"", body}, {"identity", body}, {"gzip", gz(t, body)}, {"deflate", zl(t, body)}, {" GZIP ", gz(t, body)}} {
		got, err := Decompress(c.data, c.enc)
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("%q: %q, %v", c.enc, got, err)
		}
	}
	if _, err := Decompress(body, "br"); err == nil {
		t.Error("br accepted")
	}
	if _, err := Decompress(body, "gzip"); err == nil {
		t.Error("bad gzip accepted")
	}
}
