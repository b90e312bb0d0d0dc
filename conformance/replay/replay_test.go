package replay

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fastsio/fastsio/conformance/recording"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		code = leakCheck()
	}
	os.Exit(code)
}

// leakCheck fails when goroutines of this package outlive the tests.
func leakCheck() int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		var left []string
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.Contains(g, "conformance/replay.") && !strings.Contains(g, "replay.leakCheck") {
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return 0
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "goroutine leak:\n%s\n", strings.Join(left, "\n\n"))
			return 1
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const recSID = "RECORDEDsidAAAAAAAAA" // 20 characters, like 1.8.3 ids

// fakeEngine is a tiny stand-in for an engine.io server: a handshake with a
// fresh sid, GETs with a sid answered by a noop, POSTs by "ok".
func fakeEngine(t *testing.T, extra func(w http.ResponseWriter, r *http.Request) bool) (*httptest.Server, *atomic.Int32) {
	return fakeEngineIDs(t, "LIVEsid%013d", extra)
}

func fakeEngineIDs(t *testing.T, idFormat string, extra func(w http.ResponseWriter, r *http.Request) bool) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if extra != nil && extra(w, r) {
			return
		}
		sid := r.URL.Query().Get("sid")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		switch {
		case sid == "" && r.Method == "GET":
			sid = fmt.Sprintf(idFormat, n.Add(1))
			open := `0{"sid":"` + sid + `","upgrades":[],"pingInterval":25000,"pingTimeout":60000}`
			w.Header().Set("Set-Cookie", "io="+sid+"; Path=/; HttpOnly")
			w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
			fmt.Fprintf(w, "%d:%s", len(open), open)
		case r.Method == "GET":
			w.Header().Set("Set-Cookie", "io="+sid+"; Path=/; HttpOnly")
			w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
			io.WriteString(w, "1:6")
		default:
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "ok")
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// pollingRecording is what fakeEngine would have sent, recorded with sid
// recSID.
func pollingRecording() *recording.Recording {
	open := `0{"sid":"` + recSID + `","upgrades":[],"pingInterval":25000,"pingTimeout":60000}`
	hdr := recording.Headers{{"Host", "127.0.0.1:1"}, {"Connection", "close"}}
	plain := func(body string, cookie bool) recording.Headers {
		h := recording.Headers{{"Content-Type", "text/plain; charset=UTF-8"}, {"Access-Control-Allow-Origin", "*"}}
		if cookie {
			h = append(h, [2]string{"Set-Cookie", "io=" + recSID + "; Path=/; HttpOnly"})
		}
		h = append(h, [2]string{"Content-Length", fmt.Sprint(len(body))}, [2]string{"Date", "Wed, 25 Nov 2026 19:00:00 GMT"})
		return h
	}
	hs := fmt.Sprintf("%d:%s", len(open), open)
	evs := []recording.Event{
		&recording.HTTPRequest{Common: recording.Common{Conn: 0}, Req: 0, Method: "GET", URL: "/engine.io/?EIO=3&transport=polling&t=abc&b64=1", Headers: hdr},
		&recording.HTTPResponse{Common: recording.Common{Conn: 0}, Req: 0, Status: 200, Headers: plain(hs, true), Body: []byte(hs)},
		&recording.TCPClose{Common: recording.Common{Conn: 0}, By: "server"},
		&recording.HTTPRequest{Common: recording.Common{Conn: 1}, Req: 1, Method: "GET", URL: "/engine.io/?EIO=3&transport=polling&t=abd&b64=1&sid=" + recSID, Headers: append(hdr, [2]string{"Cookie", "io=" + recSID})},
		&recording.HTTPResponse{Common: recording.Common{Conn: 1}, Req: 1, Status: 200, Headers: plain("1:6", true), Body: []byte("1:6")},
		&recording.TCPClose{Common: recording.Common{Conn: 1}, By: "server"},
		&recording.HTTPRequest{Common: recording.Common{Conn: 2}, Req: 2, Method: "POST", URL: "/engine.io/?EIO=3&transport=polling&sid=" + recSID, Headers: append(hdr, [2]string{"Content-Length", "8"}), Body: []byte("6:4hello")},
		&recording.HTTPResponse{Common: recording.Common{Conn: 2}, Req: 2, Status: 200, Headers: recording.Headers{{"Content-Type", "text/html"}, {"Access-Control-Allow-Origin", "*"}, {"Content-Length", "2"}}, Body: []byte("ok")},
		&recording.TCPClose{Common: recording.Common{Conn: 2}, By: "client"},
	}
	for i, ev := range evs {
		ev.Base().Seq = i
		ev.Base().TMs = float64(i)
	}
	return &recording.Recording{File: "fake.jsonl", Meta: recording.Meta{Name: "fake", Layer: "engineio"}, Events: evs}
}

func quick() *Options {
	return &Options{Timeout: 10 * time.Second, EventTimeout: 2 * time.Second, Grace: 50 * time.Millisecond}
}

func TestReplayMatchesFakeServer(t *testing.T) {
	srv, _ := fakeEngine(t, nil)
	rep, err := Replay(context.Background(), pollingRecording(), srv.URL, quick())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("%s\n%s", rep.Summary(), rep.Details())
	}
	if got := rep.SIDs[recSID]; !strings.HasPrefix(got, "LIVEsid") {
		t.Errorf("sid mapping %v, want %s -> LIVEsid...", rep.SIDs, recSID)
	}
}

// Live sids of another length than the recorded ones: bodies are compared
// at packet level, Content-Length not at all, and the report says so.
func TestReplayShortSIDs(t *testing.T) {
	srv, _ := fakeEngineIDs(t, "s%d", nil)
	rep, err := Replay(context.Background(), pollingRecording(), srv.URL, quick())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.SIDs[recSID] != "s1" || len(rep.Notes) == 0 {
		t.Fatalf("want ok with sid %s -> s1 and a note, got %v %s\n%s", recSID, rep.SIDs, rep.Summary(), rep.Details())
	}
}

// TestReplayDetectsDifferences mutates one recorded server event at a time
// and checks that the replay reports exactly that difference.
func TestReplayDetectsDifferences(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(rec *recording.Recording)
		seq    int
		aspect string
	}{
		{"status", func(rec *recording.Recording) { rec.Events[7].(*recording.HTTPResponse).Status = 500 }, 7, "status"},
		{"packet", func(rec *recording.Recording) {
			rec.Events[4].(*recording.HTTPResponse).Body = []byte("1:3")
		}, 4, "packets"},
		{"bytes only", func(rec *recording.Recording) {
			// Same packets, other encoding: a leading zero-length entry.
			rec.Events[4].(*recording.HTTPResponse).Body = []byte("0:1:6")
		}, 4, "bytes (packets equal)"},
		{"missing header", func(rec *recording.Recording) {
			e := rec.Events[7].(*recording.HTTPResponse)
			e.Headers = append(e.Headers, [2]string{"X-XSS-Protection", "0"})
		}, 7, "header x-xss-protection"},
		{"header value", func(rec *recording.Recording) {
			e := rec.Events[7].(*recording.HTTPResponse)
			e.Headers[0][1] = "text/plain"
		}, 7, "header content-type"},
		{"body", func(rec *recording.Recording) { rec.Events[7].(*recording.HTTPResponse).Body = []byte("OK") }, 7, "bytes"},
		{"cookie sid", func(rec *recording.Recording) {
			e := rec.Events[4].(*recording.HTTPResponse)
			e.Headers[2][1] = "io=other; Path=/; HttpOnly"
		}, 4, "header set-cookie"},
	}
	srv, _ := fakeEngine(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := pollingRecording()
			tt.mutate(rec)
			rep, err := Replay(context.Background(), rec, srv.URL, quick())
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Mismatches) != 1 {
				t.Fatalf("want exactly one mismatch, got %s\n%s", rep.Summary(), rep.Details())
			}
			if m := rep.Mismatches[0]; m.Seq != tt.seq || m.Aspect != tt.aspect {
				t.Errorf("mismatch at seq %d aspect %q, want seq %d aspect %q\n%s", m.Seq, m.Aspect, tt.seq, tt.aspect, m)
			}
		})
	}
}

func TestReplayMissingAndUnexpected(t *testing.T) {
	// The server never answers the sid GET: reported missing, no hang.
	srv, _ := fakeEngine(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == "GET" && r.URL.Query().Get("sid") != "" {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
			return true
		}
		return false
	})
	o := quick()
	o.EventTimeout = 200 * time.Millisecond
	rep, err := Replay(context.Background(), pollingRecording(), srv.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	var aspects []string
	for _, m := range rep.Mismatches {
		aspects = append(aspects, fmt.Sprintf("%d %s", m.Seq, m.Aspect))
	}
	if want := "4 missing"; len(aspects) == 0 || aspects[0] != want {
		t.Errorf("mismatches %q, want first %q\n%s", aspects, want, rep.Details())
	}
}

func TestReplayTolerateAndAccept(t *testing.T) {
	srv, _ := fakeEngine(t, nil)
	rec := pollingRecording()
	rec.Events[4].(*recording.HTTPResponse).Status = 400
	rec.Events[7].(*recording.HTTPResponse).Headers[0][1] = "text/plain"
	o := quick()
	o.Tolerate = map[int]string{4: "racy"}
	o.Accept = []Deviation{{Aspect: "header content-type", Want: "text/plain", Got: "text/html", Reason: "documented"}}
	rep, err := Replay(context.Background(), rec, srv.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	// The status change also makes the body a non-payload: 3 accepted.
	if !rep.OK() || len(rep.Accepted) != 3 {
		t.Fatalf("want ok with 3 accepted, got %s\n%s", rep.Summary(), rep.Details())
	}
}

func TestReplayBadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://", "::"} {
		if _, err := Replay(context.Background(), pollingRecording(), u, nil); err == nil {
			t.Errorf("Replay(%q) did not fail", u)
		}
	}
}

// fakeWS answers one WebSocket handshake with permessage-deflate (context
// takeover), sends an open packet, then echoes each client message
// compressed, and answers a close frame with a close frame.
func fakeWS(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		fmt.Fprintf(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
			base64.StdEncoding.EncodeToString(h[:]))
		writeServerFrame(c, 1, []byte(`0{"sid":"LIVEsidBBBBBBBBBBBBB","upgrades":[],"pingInterval":25000,"pingTimeout":60000}`), false)
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
		var dict []byte
		for {
			_, rsv1, op, data, err := readFrame(br)
			if err != nil {
				return
			}
			if op == 8 {
				writeServerFrame(c, 8, data, false)
				return
			}
			if rsv1 {
				if data, err = inflate(data, dict); err != nil {
					return
				}
				dict = append(dict, data...)
			}
			buf.Reset()
			fw.Write(data)
			fw.Flush()
			writeServerFrame(c, op, bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff}), true)
		}
	}()
	return "http://" + ln.Addr().String()
}

func writeServerFrame(w io.Writer, op int, data []byte, rsv1 bool) {
	h0 := byte(0x80 | op)
	if rsv1 {
		h0 |= 0x40
	}
	b := []byte{h0}
	switch n := len(data); {
	case n < 126:
		b = append(b, byte(n))
	default:
		b = append(b, 126, byte(n>>8), byte(n))
	}
	w.Write(append(b, data...))
}

func wsRecording() *recording.Recording {
	long := strings.Repeat("compressible text ", 100)
	evs := []recording.Event{
		&recording.HTTPRequest{Req: 0, Method: "GET", URL: "/engine.io/?EIO=3&transport=websocket", Headers: recording.Headers{
			{"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Host", "x"}, {"Sec-WebSocket-Version", "13"},
			{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}, {"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"}}},
		&recording.HTTPResponse{Req: 0, Status: 101, Headers: recording.Headers{{"Upgrade", "websocket"}, {"Connection", "Upgrade"},
			{"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}, {"Sec-WebSocket-Extensions", "permessage-deflate"}}},
		&recording.WSFrame{Dir: "s2c", Opcode: 1, Data: []byte(`0{"sid":"` + recSID + `","upgrades":[],"pingInterval":25000,"pingTimeout":60000}`)},
		&recording.WSFrame{Dir: "c2s", Opcode: 1, Data: []byte("4" + long), Compressed: true},
		&recording.WSFrame{Dir: "s2c", Opcode: 1, Data: []byte("4" + long), Compressed: true},
		&recording.WSFrame{Dir: "c2s", Opcode: 2, Data: []byte("\x04" + long + long), Compressed: true},
		&recording.WSFrame{Dir: "s2c", Opcode: 2, Data: []byte("\x04" + long + long), Compressed: true},
		&recording.WSFrame{Dir: "c2s", Opcode: 8, Data: []byte{3, 0xe8}},
		&recording.WSFrame{Dir: "s2c", Opcode: 8, Data: []byte{3, 0xe8}},
		&recording.TCPClose{By: "server"},
	}
	for i, ev := range evs {
		ev.Base().Seq = i
	}
	return &recording.Recording{File: "ws.jsonl", Meta: recording.Meta{Name: "ws", Layer: "engineio"}, Events: evs}
}

func TestReplayWebSocketDeflate(t *testing.T) {
	rep, err := Replay(context.Background(), wsRecording(), fakeWS(t), quick())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("%s\n%s", rep.Summary(), rep.Details())
	}
	if rep.SIDs[recSID] != "LIVEsidBBBBBBBBBBBBB" {
		t.Errorf("sid mapping %v", rep.SIDs)
	}
}

func TestNormaliseSIO(t *testing.T) {
	r := &replayer{sids: map[string]string{"SIDb": "x", "SIDa": "y"}}
	tests := []struct{ in, want string }{
		{`43["stats",{"sockets":2,"rss":48123904}]`, `43["stats",{"sockets":2,"rss":"<rss>"}]`},
		{`430[{"sockets":2,"rss":48123904,"heap":7255792}]`, `430[{"sockets":2,"rss":"<rss>"}]`},
		{`430[{"sockets":2,"rss":4812,"heap":1179648,"goroutines":9}]`, `430[{"sockets":2,"rss":"<rss>"}]`},
		{`430[{"heap":1,"goroutines":9}]`, `430[{"heap":1,"goroutines":9}]`}, // only right after rss (stats acks)
		{`430[{"time":"Wed Nov 25 2026","issued":1764090000000,"address":"::ffff:127.0.0.1"}]`,
			`430[{"time":"<time>","issued":"<issued>","address":"<address>"}]`},
		{`431[["SIDb","SIDa"]]`, `431[["SIDa","SIDb"]]`},
		{`43/chat,1[["/chat#SIDb","room","/chat#SIDa"]]`, `43/chat,1[["/chat#SIDa","/chat#SIDb","room"]]`},
		{`431[["z","a"]]`, `431[["z","a"]]`}, // no sid: order is the app's
		{`42["echo","rss"]`, `42["echo","rss"]`},
	}
	for _, tt := range tests {
		got, changed := r.normaliseSIO(tt.in)
		if got != tt.want || changed != (tt.in != tt.want) {
			t.Errorf("normaliseSIO(%s) = %s, %v; want %s", tt.in, got, changed, tt.want)
		}
	}
}

func TestParsePMD(t *testing.T) {
	tests := []struct {
		in   string
		want *pmd
	}{
		{"", nil},
		{"x-webkit-deflate-frame", nil},
		{"permessage-deflate", &pmd{}},
		{"permessage-deflate; server_no_context_takeover; client_no_context_takeover", &pmd{serverNoContext: true, clientNoContext: true}},
		{"permessage-deflate; client_max_window_bits=10", &pmd{clientMaxBits: 10}},
	}
	for _, tt := range tests {
		got := parsePMD(tt.in)
		if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("parsePMD(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestInflateContextTakeover(t *testing.T) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	var dict []byte
	for _, msg := range []string{"hello hello hello", "hello hello hello again", strings.Repeat("ab", 3000)} {
		buf.Reset()
		fw.Write([]byte(msg))
		fw.Flush()
		out, err := inflate(bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff}), dict)
		if err != nil || string(out) != msg {
			t.Fatalf("inflate = %q, %v; want %q", out, err, msg)
		}
		dict = append(dict, out...)
	}
}

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name, in, method string
		status           int
		body             string
		wantErr          bool
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "GET", 200, "ok", false},
		{"chunked", "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"c\r\n2\r\n\"}\r\n0\r\n\r\n", "GET", 400, `{"c"}`, false},
		{"head", "HTTP/1.1 400 Bad Request\r\nContent-Length: 20\r\n\r\n", "HEAD", 400, "", false},
		{"until close", "HTTP/1.1 500 Internal\r\n\r\nabc", "GET", 500, "abc", false},
		{"switching", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00", "GET", 101, "", false},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok", "GET", 200, "", true},
		{"bad status", "HTTP/1.1 abc\r\n\r\n", "GET", 0, "", true},
		{"bad header", "HTTP/1.1 200 OK\r\nnocolon\r\n\r\n", "GET", 200, "", true},
		{"huge length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", "GET", 200, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := readResponse(bufio.NewReader(strings.NewReader(tt.in)), tt.method)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if ev.status != tt.status || !tt.wantErr && string(ev.body) != tt.body {
				t.Errorf("status %d body %q, want %d %q", ev.status, ev.body, tt.status, tt.body)
			}
		})
	}
}

func FuzzReadResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), false)
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), true)
	f.Fuzz(func(t *testing.T, in []byte, head bool) {
		m := "GET"
		if head {
			m = "HEAD"
		}
		ev, err := readResponse(bufio.NewReader(bytes.NewReader(in)), m)
		if err == nil && (ev.status < 100 || len(ev.body) > len(in)) {
			t.Fatalf("accepted %q as status %d body %d bytes", in, ev.status, len(ev.body))
		}
	})
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0x81, 0x02, 'h', 'i'})
	f.Add([]byte{0x82, 0xfe, 0x00, 0x01, 1, 2, 3, 4, 0xff})
	f.Add([]byte{0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _, op, data, err := readFrame(bufio.NewReader(bytes.NewReader(in)))
		if err == nil && (op > 15 || len(data) > len(in)) {
			t.Fatalf("frame op %d with %d bytes from %d input bytes", op, len(data), len(in))
		}
	})
}

func FuzzInflate(f *testing.F) {
	f.Add([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, []byte("hello"))
	f.Fuzz(func(t *testing.T, msg, dict []byte) {
		if len(dict) > 32<<10 {
			dict = dict[:32<<10]
		}
		_, _ = inflate(msg, dict) // must not panic or hang
	})
}

func TestReplayWebSocketDifferences(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(rec *recording.Recording)
		seq    int
		aspect string
	}{
		{"data", func(rec *recording.Recording) { rec.Events[4].(*recording.WSFrame).Data = []byte("4other") }, 4, "packets"},
		{"compressed", func(rec *recording.Recording) { rec.Events[6].(*recording.WSFrame).Compressed = false }, 6, "compressed"},
		{"opcode", func(rec *recording.Recording) { rec.Events[6].(*recording.WSFrame).Opcode = 1 }, 6, "opcode"},
		{"close status", func(rec *recording.Recording) { rec.Events[8].(*recording.WSFrame).Data = nil }, 8, "bytes"},
		{"accept header", func(rec *recording.Recording) {
			rec.Events[1].(*recording.HTTPResponse).Headers[2][1] = "x"
		}, 1, "header sec-websocket-accept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := wsRecording()
			tt.mutate(rec)
			rep, err := Replay(context.Background(), rec, fakeWS(t), quick())
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, m := range rep.Mismatches {
				found = found || m.Seq == tt.seq && m.Aspect == tt.aspect
			}
			if !found {
				t.Errorf("no %q mismatch at seq %d:\n%s", tt.aspect, tt.seq, rep.Details())
			}
		})
	}
}

// An extra or a missing frame is reported once; later frames still pair up.
func TestReplayWebSocketResync(t *testing.T) {
	renumber := func(evs []recording.Event) []recording.Event {
		for i, ev := range evs {
			ev.Base().Seq = i
		}
		return evs
	}
	t.Run("recorded frame missing live", func(t *testing.T) {
		rec := wsRecording()
		extra := &recording.WSFrame{Dir: "s2c", Opcode: 1, Data: []byte("4only in the recording")}
		rec.Events = renumber(append(rec.Events[:5:5], append([]recording.Event{extra}, rec.Events[5:]...)...))
		rep, err := Replay(context.Background(), rec, fakeWS(t), quick())
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Mismatches) != 1 || rep.Mismatches[0].Seq != 5 || rep.Mismatches[0].Aspect != "missing" {
			t.Fatalf("want one missing at seq 5:\n%s", rep.Details())
		}
	})
	t.Run("live frame not recorded", func(t *testing.T) {
		rec := wsRecording()
		rec.Events = renumber(append(rec.Events[:4:4], rec.Events[5:]...)) // drop the first echo
		rep, err := Replay(context.Background(), rec, fakeWS(t), quick())
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Mismatches) != 1 || rep.Mismatches[0].Aspect != "unexpected" {
			t.Fatalf("want one unexpected:\n%s", rep.Details())
		}
	})
}

func TestDeviationMatches(t *testing.T) {
	m := Mismatch{Aspect: "header x", Want: "a", Got: "b"}
	tests := []struct {
		d    Deviation
		name string
		want bool
	}{
		{Deviation{}, "engineio/x", true},
		{Deviation{Recording: "engineio/y"}, "engineio/x", false},
		{Deviation{Aspect: "header x", Want: "a", Got: "b"}, "engineio/x", true},
		{Deviation{Aspect: "header x", Got: "c"}, "engineio/x", false},
		{Deviation{Match: func(m Mismatch) bool { return m.Got == "b" }}, "engineio/x", true},
		{Deviation{Aspect: "header x", Match: func(Mismatch) bool { return false }}, "engineio/x", false},
	}
	for i, tt := range tests {
		if got := tt.d.matches(tt.name, m); got != tt.want {
			t.Errorf("case %d: matches = %v, want %v", i, got, tt.want)
		}
	}
}
