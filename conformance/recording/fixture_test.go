package recording

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/fastsio/fastsio/engineio/packet"
)

// TestGenerateFixtures rewrites testdata/*.jsonl when FASTSIO_UPDATE_FIXTURES
// is set; otherwise it checks that the committed files match the generator,
// so the hand-written fixtures cannot drift from the code describing them.
func TestGenerateFixtures(t *testing.T) {
	for name, gen := range fixtures {
		var buf bytes.Buffer
		gen(t, &buf)
		path := filepath.Join("testdata", name+".jsonl")
		if os.Getenv("FASTSIO_UPDATE_FIXTURES") != "" {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		have, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with FASTSIO_UPDATE_FIXTURES=1 to create)", err)
		}
		if !bytes.Equal(normalize(t, have), normalize(t, buf.Bytes())) {
			t.Errorf("%s is stale; run with FASTSIO_UPDATE_FIXTURES=1", path)
		}
	}
}

// normalize re-marshals a recording with compressed bodies inflated, so the
// staleness check does not depend on the compressor's exact output.
func normalize(t *testing.T, b []byte) []byte {
	rec, err := Read(bytes.NewReader(b), "fixture")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, _ := NewWriter(&out, rec.Meta)
	for _, ev := range rec.Events {
		if r, ok := ev.(*HTTPResponse); ok {
			body, err := Decompress(r.Body, r.Headers.Get("Content-Encoding"))
			if err != nil {
				t.Fatal(err)
			}
			c := *r
			c.Body = body
			ev = &c
		}
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

const openJSON = `{"sid":"6rWQPJ9-U1Wg2GkpAAAQ","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":60000}`

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zl(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func sp(ps ...packet.Packet) []byte { return packet.AppendStringPayload(nil, ps) }
func bp(ps ...packet.Packet) []byte { return packet.AppendBinaryPayload(nil, ps) }
func msg(s string) packet.Packet    { return packet.Packet{Type: packet.Message, Data: []byte(s)} }

var textPlain = [2]string{"Content-Type", "text/plain; charset=UTF-8"}

func write(t testing.TB, w *Writer, evs ...Event) {
	for _, ev := range evs {
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
}

var fixtures = map[string]func(testing.TB, *bytes.Buffer){
	// §14.1: b64 polling with é, upgrade to websocket, binary echo.
	"polling-upgrade": func(t testing.TB, buf *bytes.Buffer) {
		w, err := NewWriter(buf, Meta{Name: "polling-upgrade", Layer: "engineio", Client: "engine.io-client@1.8.3", Server: "engine.io@1.8.3", Transports: "upgrade", Description: "hand-written after spec §14.1"})
		if err != nil {
			t.Fatal(err)
		}
		q := "/engine.io/?EIO=3&transport=polling&t=Q8JokJL&b64=1"
		sid := "&sid=6rWQPJ9-U1Wg2GkpAAAQ"
		write(t, w,
			&HTTPRequest{Common: Common{TMs: 0, Conn: 1}, Req: 0, Method: "GET", URL: q, Headers: Headers{{"Host", "127.0.0.1"}}},
			&HTTPResponse{Common: Common{TMs: 1.5, Conn: 1}, Req: 0, Status: 200, Headers: Headers{textPlain, {"Content-Length", "100"}}, Body: sp(packet.Packet{Type: packet.Open, Data: []byte(openJSON)})},
			&HTTPRequest{Common: Common{TMs: 2, Conn: 2}, Req: 1, Method: "POST", URL: q + sid, Headers: Headers{{"Content-type", "text/plain;charset=UTF-8"}}, Body: sp(msg("héllo"))},
			&HTTPResponse{Common: Common{TMs: 3, Conn: 2}, Req: 1, Status: 200, Headers: Headers{{"Content-Type", "text/html"}}, Body: []byte("ok")},
			&HTTPRequest{Common: Common{TMs: 4, Conn: 3}, Req: 2, Method: "GET", URL: q + sid, Headers: Headers{{"Accept-Encoding", "gzip"}}},
			&HTTPResponse{Common: Common{TMs: 5, Conn: 3}, Req: 2, Status: 200, Headers: Headers{textPlain, {"Content-Encoding", "gzip"}}, Body: gz(t, sp(msg("héllo")))},
			&HTTPRequest{Common: Common{TMs: 5.5, Conn: 4}, Req: 4, Method: "GET", URL: "/engine.io/?EIO=3&transport=websocket" + sid, Headers: Headers{{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"}}},
			&HTTPResponse{Common: Common{TMs: 5.7, Conn: 4}, Req: 4, Status: 101, Headers: Headers{{"Upgrade", "websocket"}, {"Connection", "Upgrade"}}},
			&WSFrame{Common: Common{TMs: 6, Conn: 4}, Dir: "c2s", Opcode: 1, Data: []byte("2probe")},
			&WSFrame{Common: Common{TMs: 7, Conn: 4}, Dir: "s2c", Opcode: 1, Data: []byte("3probe")},
			&HTTPRequest{Common: Common{TMs: 8, Conn: 3}, Req: 5, Method: "GET", URL: q + sid},
			&HTTPResponse{Common: Common{TMs: 9, Conn: 3}, Req: 5, Status: 200, Headers: Headers{textPlain}, Body: []byte("1:6")},
			&WSFrame{Common: Common{TMs: 10, Conn: 4}, Dir: "c2s", Opcode: 1, Data: []byte("5")},
			&WSFrame{Common: Common{TMs: 11, Conn: 4}, Dir: "c2s", Opcode: 2, Data: []byte{4, 1, 2, 3}, Compressed: true},
			&WSFrame{Common: Common{TMs: 12, Conn: 4}, Dir: "s2c", Opcode: 2, Data: []byte{4, 1, 2, 3}},
			&WSFrame{Common: Common{TMs: 13, Conn: 4}, Dir: "c2s", Opcode: 8, Data: []byte{3, 0xe8}},
			&TCPClose{Common: Common{TMs: 14, Conn: 4}, By: "client"},
		)
	},
	// socket.io over a direct WebSocket: connect, binary event with an
	// attachment and its echo, an ack, a namespace.
	"socketio-websocket": func(t testing.TB, buf *bytes.Buffer) {
		w, _ := NewWriter(buf, Meta{Name: "socketio-websocket", Layer: "socketio", Client: "socket.io-client@1.7.3", Server: "socket.io@1.7.3", Transports: "websocket"})
		open := `{"sid":"WSsid0000000000000AAA","upgrades":[],"pingInterval":25000,"pingTimeout":60000}`
		f := func(ms float64, dir string, op int, data string) Event {
			return &WSFrame{Common: Common{TMs: ms, Conn: 1}, Dir: dir, Opcode: op, Data: []byte(data)}
		}
		write(t, w,
			&HTTPRequest{Common: Common{Conn: 1}, Req: 0, Method: "GET", URL: "/socket.io/?EIO=3&transport=websocket", Headers: Headers{{"Upgrade", "websocket"}}},
			&HTTPResponse{Common: Common{TMs: 1, Conn: 1}, Req: 0, Status: 101},
			f(2, "s2c", 1, "0"+open),
			f(3, "s2c", 1, "40"),
			f(4, "c2s", 1, `451-["file",{"_placeholder":true,"num":0},"é"]`),
			f(5, "c2s", 2, "\x04\x01\x02\x03"),
			f(6, "s2c", 1, `451-["file",{"_placeholder":true,"num":0},"é"]`),
			f(7, "s2c", 2, "\x04\x01\x02\x03"),
			f(8, "c2s", 1, `4212["echo",1,{"a":[true,null]}]`),
			f(9, "s2c", 1, `4312[1,{"a":[true,null]}]`),
			f(10, "c2s", 1, "40/chat"),
			f(11, "s2c", 1, "40/chat"),
			f(12, "c2s", 1, `42/chat,["x"]`),
			f(13, "c2s", 1, "2"),
			f(14, "s2c", 1, "3"),
			f(15, "c2s", 1, "41/chat"),
			&WSFrame{Common: Common{TMs: 16, Conn: 1}, Dir: "c2s", Opcode: 8, Data: []byte{3, 0xe8}},
			&TCPClose{Common: Common{TMs: 17, Conn: 1}, By: "client"},
		)
	},
	// §14.2: binary payloads, deflate response, a 400 error and a non-engine request.
	"binary-polling": func(t testing.TB, buf *bytes.Buffer) {
		w, _ := NewWriter(buf, Meta{Name: "binary-polling", Layer: "engineio", Client: "xhr2", Server: "engine.io@1.8.3", Transports: "polling"})
		q := "/engine.io/?EIO=3&transport=polling&t=abc"
		write(t, w,
			&HTTPRequest{Common: Common{Conn: 1}, Req: 0, Method: "GET", URL: "/socket.io/socket.io.js"},
			&HTTPResponse{Common: Common{TMs: 0.5, Conn: 1}, Req: 0, Status: 200, Headers: Headers{{"Content-Type", "application/javascript"}}, Body: []byte("x")},
			&HTTPRequest{Common: Common{TMs: 1, Conn: 1}, Req: 1, Method: "GET", URL: q},
			&HTTPResponse{Common: Common{TMs: 2, Conn: 1}, Req: 1, Status: 200, Headers: Headers{{"Content-Type", "application/octet-stream"}}, Body: bp(packet.Packet{Type: packet.Open, Data: []byte(openJSON)})},
			&HTTPRequest{Common: Common{TMs: 3, Conn: 1}, Req: 2, Method: "POST", URL: q + "&sid=6rWQPJ9-U1Wg2GkpAAAQ", Headers: Headers{{"Content-Type", "application/octet-stream"}}, Body: bp(msg("hi"), packet.Packet{Type: packet.Message, Data: []byte{1, 2, 3}, Binary: true})},
			&HTTPResponse{Common: Common{TMs: 4, Conn: 1}, Req: 2, Status: 200, Headers: Headers{{"Content-Type", "text/html"}}, Body: []byte("ok")},
			&HTTPRequest{Common: Common{TMs: 5, Conn: 1}, Req: 3, Method: "GET", URL: q + "&sid=6rWQPJ9-U1Wg2GkpAAAQ"},
			&HTTPResponse{Common: Common{TMs: 6, Conn: 1}, Req: 3, Status: 200, Headers: Headers{{"Content-Type", "application/octet-stream"}, {"Content-Encoding", "deflate"}}, Body: zl(t, bp(msg("hi"), packet.Packet{Type: packet.Message, Data: []byte{1, 2, 3}, Binary: true}))},
			&HTTPRequest{Common: Common{TMs: 7, Conn: 1}, Req: 4, Method: "GET", URL: "/engine.io/?EIO=3&transport=polling&sid=gone"},
			&HTTPResponse{Common: Common{TMs: 8, Conn: 1}, Req: 4, Status: 400, Headers: Headers{{"Content-Type", "application/json"}}, Body: []byte(`{"code":1,"message":"Session ID unknown"}`)},
			&TCPClose{Common: Common{TMs: 9, Conn: 1}, By: "server"},
		)
	},
	// §7: JSONP handshake, form POST with escaped newlines, Buffer-object response.
	"jsonp": func(t testing.TB, buf *bytes.Buffer) {
		w, _ := NewWriter(buf, Meta{Name: "jsonp", Layer: "engineio", Client: "engine.io-client@1.8.3", Server: "engine.io@1.8.3", Transports: "jsonp"})
		q := "/engine.io/?EIO=3&transport=polling&j=0&b64=1"
		open := sp(packet.Packet{Type: packet.Open, Data: []byte(openJSON)})
		buffer, _ := json.Marshal(struct {
			Type string `json:"type"`
			Data []int  `json:"data"`
		}{"Buffer", []int{0, 2, 255, '4', 'x'}})
		write(t, w,
			&HTTPRequest{Common: Common{Conn: 1}, Req: 0, Method: "GET", URL: q},
			&HTTPResponse{Common: Common{TMs: 1, Conn: 1}, Req: 0, Status: 200, Headers: Headers{textPlain}, Body: packet.AppendJSONP(nil, "0", open)},
			&HTTPRequest{Common: Common{TMs: 2, Conn: 1}, Req: 1, Method: "POST", URL: q + "&sid=6rWQPJ9-U1Wg2GkpAAAQ", Headers: Headers{{"Content-Type", "application/x-www-form-urlencoded"}}, Body: []byte("d=13%3A4a%5Cnb%5C%5Cnc+%C3%83%C2%A9%C3%A2%C2%80%C2%A8")},
			&HTTPResponse{Common: Common{TMs: 3, Conn: 1}, Req: 1, Status: 200, Headers: Headers{{"Content-Type", "text/html"}}, Body: []byte("ok")},
			&HTTPRequest{Common: Common{TMs: 4, Conn: 1}, Req: 2, Method: "GET", URL: "/engine.io/?EIO=3&transport=polling&j=1&sid=T"},
			&HTTPResponse{Common: Common{TMs: 5, Conn: 1}, Req: 2, Status: 200, Headers: Headers{textPlain}, Body: append(append([]byte("___eio[1]("), buffer...), ");"...)},
		)
	},
}

func TestFixturePackets(t *testing.T) {
	type want struct {
		dir, transport string
		format         Format
		packets        string
	}
	cases := map[string][]want{
		"polling-upgrade": {
			{"s2c", "polling", StringPayload, `open:` + openJSON},
			{"c2s", "polling", StringPayload, "message:héllo"},
			{"s2c", "polling", StringPayload, "message:héllo"},
			{"c2s", "websocket", WSText, "ping:probe"},
			{"s2c", "websocket", WSText, "pong:probe"},
			{"s2c", "polling", StringPayload, "noop"},
			{"c2s", "websocket", WSText, "upgrade"},
			{"c2s", "websocket", WSBinary, "message:bin010203"},
			{"s2c", "websocket", WSBinary, "message:bin010203"},
		},
		"binary-polling": {
			{"s2c", "polling", BinaryPayload, "open:" + openJSON},
			{"c2s", "polling", BinaryPayload, "message:hi message:bin010203"},
			{"s2c", "polling", BinaryPayload, "message:hi message:bin010203"},
		},
		"socketio-websocket": {
			{"s2c", "websocket", WSText, "open:{\"sid\":\"WSsid0000000000000AAA\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":60000}"},
			{"s2c", "websocket", WSText, "message:0"},
			{"c2s", "websocket", WSText, `message:51-["file",{"_placeholder":true,"num":0},"é"]`},
			{"c2s", "websocket", WSBinary, "message:bin010203"},
			{"s2c", "websocket", WSText, `message:51-["file",{"_placeholder":true,"num":0},"é"]`},
			{"s2c", "websocket", WSBinary, "message:bin010203"},
			{"c2s", "websocket", WSText, `message:212["echo",1,{"a":[true,null]}]`},
			{"s2c", "websocket", WSText, `message:312[1,{"a":[true,null]}]`},
			{"c2s", "websocket", WSText, "message:0/chat"},
			{"s2c", "websocket", WSText, "message:0/chat"},
			{"c2s", "websocket", WSText, `message:2/chat,["x"]`},
			{"c2s", "websocket", WSText, "ping"},
			{"s2c", "websocket", WSText, "pong"},
			{"c2s", "websocket", WSText, "message:1/chat"},
		},
		"jsonp": {
			{"s2c", "jsonp", JSONPResponse, "open:" + openJSON},
			{"c2s", "jsonp", JSONPForm, "message:a\nb\\nc é\u2028"},
			{"s2c", "jsonp", JSONPBuffer, "message:x"},
		},
	}
	for name, ws := range cases {
		t.Run(name, func(t *testing.T) {
			rec, err := ReadFile(filepath.Join("testdata", name+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			pls := rec.Payloads()
			if len(pls) != len(ws) {
				t.Fatalf("%d payloads, want %d", len(pls), len(ws))
			}
			for i, w := range ws {
				pl := pls[i]
				if pl.Err != nil || pl.Dir != w.dir || pl.Transport != w.transport || pl.Format != w.format || describe(pl.Packets) != w.packets {
					t.Errorf("payload %d (seq %d): %s %s %s %q err=%v; want %s %s %s %q", i, pl.Seq, pl.Dir, pl.Transport, pl.Format, describe(pl.Packets), pl.Err, w.dir, w.transport, w.format, w.packets)
				}
			}
			n := 0
			for _, pl := range pls {
				n += len(pl.Packets)
				if want := wantSID[name]; pl.SID != want && !(name == "jsonp" && pl.Req == 2) {
					t.Errorf("payload seq %d: sid %q, want %q", pl.Seq, pl.SID, want)
				}
			}
			if got := len(rec.Packets()); got != n {
				t.Errorf("Packets() = %d, want %d", got, n)
			}
		})
	}
}

var wantSID = map[string]string{
	"polling-upgrade":    "6rWQPJ9-U1Wg2GkpAAAQ",
	"binary-polling":     "6rWQPJ9-U1Wg2GkpAAAQ",
	"socketio-websocket": "WSsid0000000000000AAA",
	"jsonp":              "6rWQPJ9-U1Wg2GkpAAAQ",
}

func describe(ps []packet.Packet) string {
	var b bytes.Buffer
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.Type.String())
		if p.Binary {
			b.WriteString(":bin")
			for _, c := range p.Data {
				b.WriteString(string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15]))
			}
		} else if p.Data != nil {
			b.WriteString(":" + string(p.Data))
		}
	}
	return b.String()
}
