package main

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func reader(s string) *bufio.Reader { return bufio.NewReaderSize(strings.NewReader(s), 16) }

func TestReadRequestPipelined(t *testing.T) {
	// Two requests back to back in one stream (keep-alive pipelining): a GET
	// and a POST with a Content-Length body, then a clean EOF.
	stream := "GET /engine.io/?EIO=3&transport=polling HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n" +
		"POST /engine.io/?sid=a HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 8\r\n\r\n6:4hello"
	br := reader(stream)
	m1, err := readRequest(br, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if m1.method != "GET" || m1.target != "/engine.io/?EIO=3&transport=polling" || len(m1.body) != 0 {
		t.Errorf("first request: %+v", m1)
	}
	want := [][2]string{{"Host", "x"}, {"Accept", "*/*"}}
	if len(m1.headers) != 2 || m1.headers[0] != want[0] || m1.headers[1] != want[1] {
		t.Errorf("headers %v, want %v", m1.headers, want)
	}
	m2, err := readRequest(br, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if m2.method != "POST" || string(m2.body) != "6:4hello" {
		t.Errorf("second request: %+v", m2)
	}
	if string(m1.raw)+string(m2.raw) != stream {
		t.Errorf("raw bytes do not reproduce the stream")
	}
	if _, err := readRequest(br, 1<<20); err != io.EOF {
		t.Errorf("after the last request: err %v, want io.EOF", err)
	}
}

func TestReadResponseChunked(t *testing.T) {
	// engine.io's JSON error: chunked, with a chunk extension and a trailer.
	stream := "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"10;ext=1\r\n{\"code\":1,\"messa\r\n19\r\nge\":\"Session ID unknown\"}\r\n0\r\nX-Trailer: y\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	br := reader(stream)
	m, err := readResponse(br, "GET", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if m.status != 400 || m.reason != "Bad Request" || !m.chunked {
		t.Errorf("status line: %+v", m)
	}
	if got := string(m.body); got != `{"code":1,"message":"Session ID unknown"}` {
		t.Errorf("de-chunked body %q", got)
	}
	m2, err := readResponse(br, "POST", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if string(m2.body) != "ok" || string(m.raw)+string(m2.raw) != stream {
		t.Errorf("second response %q or raw mismatch", m2.body)
	}
}

func TestReadResponseBodyRules(t *testing.T) {
	tests := []struct {
		name, method, stream, body string
	}{
		{"HEAD has no body", "HEAD", "HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\n\r\n", ""},
		{"204 has no body", "GET", "HTTP/1.1 204 No Content\r\n\r\n", ""},
		{"101 has no body; frames follow", "GET", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi", ""},
		{"close-delimited", "GET", "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", "until the end"},
		{"bare LF line endings", "GET", "HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", "abc"},
		{"empty reason phrase", "GET", "HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := readResponse(reader(tc.stream), tc.method, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if string(m.body) != tc.body {
				t.Errorf("body %q, want %q", m.body, tc.body)
			}
		})
	}
}

func TestReadMalformed(t *testing.T) {
	reqs := []string{
		"GARBAGE\r\n\r\n",
		"GET / HTTP/1.1\r\nbad header line\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x", // EOF inside the headers
		"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
	}
	for _, s := range reqs {
		_, err := readRequest(reader(s), 1<<20)
		if err == nil || err == io.EOF {
			t.Errorf("%q: err %v, want a malformed-message error", s, err)
			continue
		}
		if !errors.Is(err, errMalformed) {
			t.Errorf("%q: err %v does not wrap errMalformed", s, err)
		}
	}
	resps := []string{"HTTP/1.1 abc OK\r\n\r\n", "SSH-2.0-x\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"}
	for _, s := range resps {
		if _, err := readResponse(reader(s), "GET", 1<<20); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}

func TestRebuildRequestStripsExtensions(t *testing.T) {
	m, err := readRequest(reader("GET /engine.io/?transport=websocket HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !m.isUpgradeRequest() {
		t.Fatal("not detected as upgrade")
	}
	if !m.removeHeader("sec-websocket-extensions") {
		t.Fatal("header not removed")
	}
	rebuildRequest(m)
	want := "GET /engine.io/?transport=websocket HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
	if string(m.raw) != want {
		t.Errorf("rebuilt %q, want %q", m.raw, want)
	}
}

func FuzzReadRequest(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"))
	f.Fuzz(func(t *testing.T, b []byte) {
		br := bufio.NewReader(strings.NewReader(string(b)))
		total := 0
		for i := 0; i < 100; i++ {
			m, err := readRequest(br, 1<<16)
			if err != nil {
				return
			}
			total += len(m.raw)
			if total > len(b) {
				t.Fatalf("raw bytes (%d) exceed input (%d)", total, len(b))
			}
		}
	})
}

func FuzzReadResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), "GET")
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"), "HEAD")
	f.Fuzz(func(t *testing.T, b []byte, method string) {
		m, err := readResponse(bufio.NewReader(strings.NewReader(string(b))), method, 1<<16)
		if err == nil && len(m.raw) > len(b) {
			t.Fatalf("raw bytes (%d) exceed input (%d)", len(m.raw), len(b))
		}
	})
}
