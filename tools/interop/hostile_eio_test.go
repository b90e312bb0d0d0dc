package interop

// Hostile clients against the engine.io server, over the wire. Every
// subtest runs its own server with a healthy WebSocket client echoing
// next to the attack (each reply must arrive, in order), then checks that
// Close finishes (10 s hang detector) and leaves no goroutines.

import (
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fastsio/fastsio/engineio"
	"github.com/fastsio/fastsio/engineio/packet"
)

const eioPath = "/engine.io/"

// pollGet GETs the session and returns the decoded packets ("type+data").
func pollGet(t *testing.T, host, q string) (rawResponse, []string) {
	t.Helper()
	resp, dropped := rawHTTP(t, host, httpReq("GET", q, "", nil))
	if dropped {
		t.Fatalf("GET %s: connection dropped", q)
	}
	var out []string
	if resp.status == 200 {
		err := packet.DecodeStringPayload([]byte(resp.body), func(p packet.Packet) error {
			s := string(p.Type + '0')
			if p.Binary {
				s = "b" + s
			}
			out = append(out, s+string(p.Data))
			return nil
		})
		if err != nil {
			t.Fatalf("GET payload %q: %v", resp.body, err)
		}
	}
	return resp, out
}

func pollPost(t *testing.T, host, q, ctype string, body []byte) (rawResponse, bool) {
	t.Helper()
	h := ""
	if ctype != "" {
		h = "Content-Type: " + ctype + "\r\n"
	}
	return rawHTTP(t, host, httpReq("POST", q, h, body))
}

// alive checks that a polling session still answers: a ping POSTed comes
// back as a pong.
func alive(t *testing.T, host, q string) {
	t.Helper()
	if resp, dropped := pollPost(t, host, q, "text/plain;charset=UTF-8", []byte("1:2")); dropped || resp.status != 200 {
		t.Fatalf("ping POST: %+v dropped=%v", resp, dropped)
	}
	resp, pkts := pollGet(t, host, q)
	if resp.status != 200 || len(pkts) == 0 || pkts[len(pkts)-1] != "3" {
		t.Fatalf("session not alive: GET %d %q", resp.status, resp.body)
	}
}

// gone checks that the sid is no longer known.
func gone(t *testing.T, host, q string) {
	t.Helper()
	resp, _ := pollGet(t, host, q)
	if resp.status != 400 || !strings.Contains(resp.body, `"code":1`) {
		t.Fatalf("closed session: GET %d %q, want 400 code 1", resp.status, resp.body)
	}
}

// TestHostileEIOPolling attacks the polling transport.
func TestHostileEIOPolling(t *testing.T) {
	t.Run("garbage-payloads-parse-error", func(t *testing.T) {
		// covers: EIO-CL-28
		cases := []struct {
			name, ctype string
			body        []byte
			echo        string // engine.io-parser 1.3.2 is lenient: "" = parse error, else the echoed packet
		}{
			{"string-no-colon", "text/plain;charset=UTF-8", []byte("hello world"), ""},
			{"string-truncated", "text/plain;charset=UTF-8", []byte("5:4ab"), ""},
			{"string-huge-length-prefix", "text/plain;charset=UTF-8", []byte("99999999999999999999999:4a"), ""},
			{"string-length-too-big-int64", "text/plain;charset=UTF-8", []byte("9223372036854775808:4a"), ""},
			{"string-length-lies-short", "text/plain;charset=UTF-8", []byte("1:4abc"), ""},
			{"string-negative-length", "text/plain;charset=UTF-8", []byte("-1:4a"), ""},
			{"string-unknown-type", "text/plain;charset=UTF-8", []byte("2:9a"), ""},
			{"string-empty-body", "text/plain;charset=UTF-8", []byte{}, ""},
			{"binary-garbage", "application/octet-stream", []byte{0x07, 0xff, 0x00}, ""},
			// Node slices past the end: a short entry is delivered as is.
			{"binary-truncated", "application/octet-stream", []byte{0x00, 0x05, 0xff, '4', 'a'}, "4a"},
			{"binary-huge-length", "application/octet-stream", []byte{0x01, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 0xff, 4, 1}, "b4\x01"},
			{"binary-no-terminator", "application/octet-stream", []byte{0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6}, ""},
		}
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, q := pollHandshake(t, h.host, eioPath)
				resp, dropped := pollPost(t, h.host, q, c.ctype, c.body)
				if dropped || resp.status != 200 {
					t.Fatalf("POST: %+v dropped=%v (engine.io answers a bad payload with 200 ok)", resp, dropped)
				}
				if c.echo != "" {
					resp, pkts := pollGet(t, h.host, q)
					if resp.status != 200 || len(pkts) != 1 || pkts[0] != c.echo {
						t.Fatalf("GET %d %q, want the echo %q", resp.status, resp.body, c.echo)
					}
					alive(t, h.host, q)
					return
				}
				h.expectReason(t, engineio.ReasonParseError)
				gone(t, h.host, q)
			})
		}
		hc.check(t)
	})

	t.Run("thousands-of-tiny-packets-no-loss", func(t *testing.T) {
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		_, q := pollHandshake(t, h.host, eioPath)
		const n = 5000
		var body bytes.Buffer
		for i := 0; i < n; i++ {
			m := fmt.Sprintf("4%d", i)
			fmt.Fprintf(&body, "%d:%s", len(m), m)
		}
		if resp, dropped := pollPost(t, h.host, q, "text/plain;charset=UTF-8", body.Bytes()); dropped || resp.status != 200 {
			t.Fatalf("POST: %+v dropped=%v", resp, dropped)
		}
		next := 0
		for next < n {
			resp, pkts := pollGet(t, h.host, q)
			if resp.status != 200 {
				t.Fatalf("GET %d %q after %d echoes", resp.status, resp.body, next)
			}
			for _, p := range pkts {
				if want := fmt.Sprintf("4%d", next); p != want {
					t.Fatalf("echo %d = %q, want %q", next, p, want)
				}
				next++
			}
		}
		hc.check(t)
	})

	t.Run("invalid-utf8-string-payload", func(t *testing.T) {
		// Node decodes the body as UTF-8 (U+FFFD for bad bytes); whatever
		// the server makes of it, it must answer and stay consistent.
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		for _, body := range [][]byte{[]byte("2:4\xff"), []byte("3:4\xc3\x28"), []byte("4:4\xed\xa0\x80"), []byte("\xff\xfe:4a")} {
			_, q := pollHandshake(t, h.host, eioPath)
			resp, dropped := pollPost(t, h.host, q, "text/plain;charset=UTF-8", body)
			if dropped || resp.status != 200 {
				t.Fatalf("POST %q: %+v dropped=%v", body, resp, dropped)
			}
			select {
			case r := <-h.reasons:
				if r != engineio.ReasonParseError {
					t.Errorf("POST %q closed the session with %q", body, r)
				}
				gone(t, h.host, q)
			default:
				resp, pkts := pollGet(t, h.host, q)
				if resp.status != 200 || len(pkts) != 1 || pkts[0][0] != '4' {
					t.Errorf("POST %q: session open but GET %d %q", body, resp.status, resp.body)
				}
			}
		}
		hc.check(t)
	})

	t.Run("body-over-max-http-buffer-size", func(t *testing.T) {
		// covers: SUP-27
		h := startEIOHostile(t, &engineio.Options{MaxHTTPBufferSize: 1000})
		hc := startHealthyEIO(t, h.host, eioPath)
		big := bytes.Repeat([]byte("a"), 5000)
		msg := append([]byte("5001:4"), big...)
		// Declared length.
		_, q := pollHandshake(t, h.host, eioPath)
		if resp, dropped := pollPost(t, h.host, q, "text/plain;charset=UTF-8", msg); !dropped {
			t.Errorf("oversized POST answered %+v, want the connection dropped", resp)
		}
		h.expectReason(t, engineio.ReasonTransportError)
		gone(t, h.host, q)
		// Chunked: the size is only known while reading.
		_, q = pollHandshake(t, h.host, eioPath)
		req := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", q, len(msg), msg)
		if resp, dropped := rawHTTP(t, h.host, []byte(req)); !dropped {
			t.Errorf("oversized chunked POST answered %+v, want the connection dropped", resp)
		}
		h.expectReason(t, engineio.ReasonTransportError)
		gone(t, h.host, q)
		// Declared length far beyond any buffer, only the start sent (the
		// server reads up to the limit before it decides).
		_, q = pollHandshake(t, h.host, eioPath)
		if resp, dropped := rawHTTP(t, h.host, append([]byte("POST "+q+" HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n"), msg...)); !dropped {
			t.Errorf("POST claiming 99999999999 bytes answered %+v", resp)
		}
		h.expectReason(t, engineio.ReasonTransportError)
		hc.check(t)
	})

	t.Run("wrong-methods", func(t *testing.T) {
		// covers: SUP-06
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
			resp, dropped := rawHTTP(t, h.host, httpReq(m, eioPath+"?EIO=3&transport=polling", "", []byte{}))
			if dropped || resp.status != 400 || !strings.Contains(resp.body, `"code":2`) {
				t.Errorf("%s handshake: %+v dropped=%v, want 400 code 2", m, resp, dropped)
			}
		}
		_, q := pollHandshake(t, h.host, eioPath)
		for _, m := range []string{"PUT", "DELETE", "PATCH", "TRACE"} {
			resp, dropped := rawHTTP(t, h.host, httpReq(m, q, "", []byte("1:2")))
			if dropped || resp.status != 500 {
				t.Errorf("%s on a session: %+v dropped=%v, want 500", m, resp, dropped)
			}
		}
		alive(t, h.host, q)
		hc.check(t)
	})

	t.Run("unknown-and-closed-sids", func(t *testing.T) {
		// covers: EIO-VER-03, SUP-10
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		for _, sid := range []string{"nope", "", strings.Repeat("A", 3000), "%00%ff", "a&sid=b"} {
			q := eioPath + "?EIO=3&transport=polling&sid=" + sid
			for _, m := range []string{"GET", "POST"} {
				resp, dropped := rawHTTP(t, h.host, httpReq(m, q, "", []byte("1:2")))
				if sid == "" && m == "GET" {
					continue // an empty sid is a handshake
				}
				if sid == "" {
					if dropped || resp.status != 400 || !strings.Contains(resp.body, `"code":2`) {
						t.Errorf("POST with empty sid: %+v", resp)
					}
					continue
				}
				if dropped || resp.status != 400 || !strings.Contains(resp.body, `"code":1`) {
					t.Errorf("%s sid %.20q: %+v dropped=%v, want 400 code 1", m, sid, resp, dropped)
				}
			}
		}
		_, q := pollHandshake(t, h.host, eioPath)
		if resp, _ := pollPost(t, h.host, q, "", []byte("1:1")); resp.status != 200 {
			t.Fatalf("close POST: %+v", resp)
		}
		h.expectReason(t, engineio.ReasonTransportClose)
		gone(t, h.host, q)
		if resp, _ := pollPost(t, h.host, q, "", []byte("1:2")); resp.status != 400 {
			t.Errorf("POST to a closed session: %+v", resp)
		}
		// An upgrade with a closed or unknown sid.
		for _, sid := range []string{strings.TrimPrefix(q[strings.Index(q, "sid=")+4:], ""), "unknown"} {
			c, err := net.Dial("tcp", h.host)
			if err != nil {
				t.Fatal(err)
			}
			_ = c.SetDeadline(time.Now().Add(hostileIO))
			fmt.Fprintf(c, "GET %s?EIO=3&transport=websocket&sid=%s HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", eioPath, sid)
			resp, dropped := readRawResponse(t, c)
			c.Close()
			if dropped || resp.status != 400 {
				t.Errorf("upgrade with sid %q: %+v dropped=%v, want a raw 400", sid, resp, dropped)
			}
		}
		hc.check(t)
	})

	t.Run("overlapping-GETs", func(t *testing.T) {
		// covers: SUP-07
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		_, q := pollHandshake(t, h.host, eioPath)
		type res struct {
			r       rawResponse
			dropped bool
		}
		ch := make(chan res, 2)
		for i := 0; i < 2; i++ {
			go func() {
				c, err := net.Dial("tcp", h.host)
				if err != nil {
					ch <- res{dropped: true}
					return
				}
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(hostileIO))
				_, _ = c.Write(httpReq("GET", q, "", nil))
				r, d := readRawResponse(t, c)
				ch <- res{r, d}
			}()
		}
		got := map[int]string{}
		for i := 0; i < 2; i++ {
			r := <-ch
			if r.dropped {
				t.Fatal("overlapping GET: connection dropped")
			}
			got[r.r.status] = r.r.body
		}
		if _, ok := got[500]; !ok || got[200] != "1:1" {
			t.Errorf("overlapping GETs answered %v, want one 500 and one close packet", got)
		}
		h.expectReason(t, engineio.ReasonTransportError)
		hc.check(t)
	})

	t.Run("overlapping-POSTs", func(t *testing.T) {
		// A chunked POST whose body is not finished holds the session's
		// data request; a second POST overlaps it.
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		_, q := pollHandshake(t, h.host, eioPath)
		slow, err := net.Dial("tcp", h.host)
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Close()
		fmt.Fprintf(slow, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n4:4a\r\n", q)
		overlapped := false
		for i := 0; i < 200 && !overlapped; i++ {
			resp, dropped := pollPost(t, h.host, q, "text/plain", []byte("1:6"))
			switch {
			case dropped:
				t.Fatal("second POST dropped")
			case resp.status == 500:
				overlapped = true
			case resp.status != 200:
				t.Fatalf("second POST: %+v", resp)
			default:
				time.Sleep(5 * time.Millisecond) // the slow POST has not reached the engine yet
			}
		}
		if !overlapped {
			t.Fatal("never saw the overlap")
		}
		h.expectReason(t, engineio.ReasonTransportError)
		// Finish the slow POST: it gets an answer, the session stays closed.
		_ = slow.SetDeadline(time.Now().Add(hostileIO))
		fmt.Fprintf(slow, "0\r\n\r\n")
		if resp, dropped := readRawResponse(t, slow); dropped || resp.status != 200 {
			t.Errorf("slow POST finished: %+v dropped=%v", resp, dropped)
		}
		gone(t, h.host, q)
		hc.check(t)
	})

	t.Run("jsonp-garbage-forms-and-script-index", func(t *testing.T) {
		// covers: SUP-24, SUP-26
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		// The JSONP index is digits only: nothing of j= may reach the
		// script the browser evaluates.
		resp, dropped := rawHTTP(t, h.host, httpReq("GET", eioPath+"?EIO=3&transport=polling&b64=1&j=0%3Cscript%3Ealert(1)%3C/script%3E", "", nil))
		if dropped || resp.status != 200 || !strings.HasPrefix(resp.body, "___eio[01](") || strings.Contains(resp.body, "script") {
			t.Fatalf("JSONP handshake: %d %.80q", resp.status, resp.body)
		}
		sid := sidRE.FindStringSubmatch(strings.ReplaceAll(resp.body, `\"`, `"`))
		if sid == nil {
			t.Fatalf("no sid in %q", resp.body)
		}
		q := eioPath + "?EIO=3&transport=polling&b64=1&j=0&sid=" + sid[1]
		for _, body := range []string{"d=%ZZ", "x=1", "d=", "d=1%3A2&d=1%3A2", "d=" + strings.Repeat("%", 1000), "d=99999999999999999999%3A4a", "d=1%3A2", "\xff\xfe", "d=" + strings.Repeat("1%3A2", 2000)} {
			resp, dropped := pollPost(t, h.host, q, "application/x-www-form-urlencoded", []byte(body))
			if dropped {
				t.Fatalf("POST %.40q dropped", body)
			}
			if resp.status != 200 && resp.status != 400 {
				t.Errorf("POST %.40q: %d %q", body, resp.status, resp.body)
			}
			if resp.status == 400 {
				break // the session ended (parse error)
			}
		}
		hc.check(t)
	})

	t.Run("tcp-reset-while-GET-parked", func(t *testing.T) {
		// covers: EIO-CL-14
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		_, q := pollHandshake(t, h.host, eioPath)
		c, err := net.Dial("tcp", h.host)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write(httpReq("GET", q, "", nil))
		time.Sleep(200 * time.Millisecond) // let the GET park (not an assertion)
		resetConn(c)
		h.expectReason(t, engineio.ReasonTransportError)
		hc.check(t)
	})
}

// TestHostileEIOSlowloris: clients that never finish a request must not
// keep Close from returning.
func TestHostileEIOSlowloris(t *testing.T) {
	for _, c := range []struct {
		name string
		req  func(q string) string
	}{
		{"headers-never-finish", func(string) string {
			return "GET " + eioPath + "?EIO=3&transport=polling HTTP/1.1\r\nHost: x\r\nX-Slow: "
		}},
		{"no-bytes-at-all", func(string) string { return "" }},
		{"small-body-never-finishes", func(q string) string {
			return "POST " + q + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n10:4abc"
		}},
		{"chunked-body-never-finishes", func(q string) string {
			return "POST " + q + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n10:4abc"
		}},
		{"large-body-never-finishes", func(q string) string {
			return "POST " + q + " HTTP/1.1\r\nHost: x\r\nContent-Length: 8000000\r\n\r\n7999990:4abc"
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := startEIOHostile(t, nil)
			hc := startHealthyEIO(t, h.host, eioPath)
			_, q := pollHandshake(t, h.host, eioPath)
			conn, err := net.Dial("tcp", h.host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, c.req(q)); err != nil {
				t.Fatal(err)
			}
			hc.check(t)
			// Close must not wait for this client, still connected.
			h.Close(t)
		})
	}
}

// TestHostileEIOWebSocket attacks the WebSocket transport.
func TestHostileEIOWebSocket(t *testing.T) {
	wsTarget := eioPath + "?EIO=3&transport=websocket"
	open := func(t *testing.T, h *eioHostile) *rawWS {
		w := dialRawWS(t, h.host, wsTarget)
		if s := w.readText(t); !strings.HasPrefix(s, "0{") {
			t.Fatalf("open packet %q", s)
		}
		return w
	}

	t.Run("invalid-frames", func(t *testing.T) {
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		for _, c := range []struct {
			name string
			send func(w *rawWS) error
		}{
			{"rsv1-without-extension", func(w *rawWS) error { return w.frameLen(true, 1, []byte("4a"), 2, 0x40) }},
			{"reserved-opcode-3", func(w *rawWS) error { return w.frame(true, 3, []byte("4a")) }},
			{"reserved-control-opcode-11", func(w *rawWS) error { return w.frame(true, 11, nil) }},
			{"continuation-without-start", func(w *rawWS) error { return w.frame(true, 0, []byte("4a")) }},
			{"fragmented-ping", func(w *rawWS) error { return w.frame(false, 9, []byte("x")) }},
			{"control-frame-over-125", func(w *rawWS) error { return w.frame(true, 9, bytes.Repeat([]byte("x"), 200)) }},
			{"close-one-byte-payload", func(w *rawWS) error { return w.frame(true, 8, []byte{3}) }},
			{"close-invalid-code", func(w *rawWS) error { return w.frame(true, 8, []byte{0x03, 0xe7}) }},
			{"unmasked-frame", func(w *rawWS) error {
				_, err := w.c.Write([]byte{0x81, 0x02, '4', 'a'})
				return err
			}},
			{"text-invalid-utf8", func(w *rawWS) error { return w.frame(true, 1, []byte("4\xff\xfe")) }},
			{"new-message-inside-fragmented-one", func(w *rawWS) error {
				if err := w.frame(false, 1, []byte("4a")); err != nil {
					return err
				}
				return w.frame(true, 1, []byte("4b"))
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				w := open(t, h)
				if err := c.send(w); err != nil {
					t.Fatal(err)
				}
				w.expectClose(t)
				r := h.waitReason(t)
				if r != engineio.ReasonTransportError && r != engineio.ReasonTransportClose {
					t.Errorf("reason %q", r)
				}
			})
		}
		hc.check(t)
	})

	t.Run("oversized-frames", func(t *testing.T) {
		// covers: SUP-28
		h := startEIOHostile(t, &engineio.Options{MaxHTTPBufferSize: 1000})
		hc := startHealthyEIO(t, h.host, eioPath)
		for _, c := range []struct {
			name string
			send func(w *rawWS) error
		}{
			{"one-frame-over-limit", func(w *rawWS) error { return w.text("4" + strings.Repeat("a", 2000)) }},
			{"header-claims-2^62-bytes", func(w *rawWS) error { return w.frameLen(true, 2, []byte{4}, 1<<62, 0) }},
			{"header-claims-2^63-bytes", func(w *rawWS) error { return w.frameLen(true, 2, []byte{4}, 1<<63, 0) }},
			{"fragments-add-up-over-limit", func(w *rawWS) error {
				if err := w.frame(false, 1, []byte("4"+strings.Repeat("a", 600))); err != nil {
					return err
				}
				return w.frame(true, 0, []byte(strings.Repeat("b", 600)))
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				w := open(t, h)
				if err := c.send(w); err != nil {
					t.Fatal(err)
				}
				code := w.expectClose(t)
				if strings.Contains(c.name, "2^63") {
					// An impossible (negative) length is a protocol error.
					if code != 0 && code != 1002 && code != 1000 {
						t.Errorf("close code %d", code)
					}
				} else if code != 1009 {
					t.Errorf("close code %d, want 1009", code)
				}
				h.expectReason(t, engineio.ReasonTransportError)
			})
		}
		hc.check(t)
	})

	t.Run("permessage-deflate-bomb", func(t *testing.T) {
		// 8 MB of zeros deflate to ~8 KB: the inflated size must be
		// bounded by maxHttpBufferSize, not the wire size.
		h := startEIOHostile(t, &engineio.Options{MaxHTTPBufferSize: 1 << 20})
		hc := startHealthyEIO(t, h.host, eioPath)
		c, err := net.Dial("tcp", h.host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(hostileIO))
		fmt.Fprintf(c, "GET %s?EIO=3&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; server_no_context_takeover\r\n\r\n", eioPath)
		w := &rawWS{c: c, br: bufio.NewReader(c)}
		r, err := http.ReadResponse(w.br, nil)
		if err != nil || r.StatusCode != 101 || !strings.Contains(r.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
			t.Fatalf("handshake: %v %v", r, err)
		}
		var z bytes.Buffer
		fw, _ := flate.NewWriter(&z, flate.DefaultCompression)
		_, _ = fw.Write([]byte("4"))
		zeros := make([]byte, 1<<20)
		for i := 0; i < 8; i++ {
			_, _ = fw.Write(zeros)
		}
		_ = fw.Flush()
		payload := bytes.TrimSuffix(z.Bytes(), []byte{0, 0, 0xff, 0xff})
		if err := w.frameLen(true, 1, payload, uint64(len(payload)), 0x40); err != nil {
			t.Fatal(err)
		}
		if code := w.expectClose(t); code != 1009 && code != 0 {
			t.Errorf("close code %d, want 1009", code)
		}
		r2 := h.waitReason(t)
		if r2 != engineio.ReasonTransportError {
			t.Errorf("reason %q", r2)
		}
		hc.check(t)
	})

	t.Run("fragmented-message-never-ends", func(t *testing.T) {
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		w := open(t, h)
		if err := w.frame(false, 1, []byte("4abc")); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			if err := w.frame(false, 0, []byte("def")); err != nil {
				t.Fatal(err)
			}
		}
		hc.check(t)
		// Close must not wait for the message to end.
		h.Close(t)
	})

	t.Run("ping-flood-reading-client-gets-every-pong", func(t *testing.T) {
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		w := open(t, h)
		const n = 3000
		go func() {
			for i := 0; i < n; i++ {
				if w.text("2") != nil {
					return
				}
			}
			_ = w.text("4after")
		}()
		for i := 0; i < n; i++ {
			if s := w.readText(t); s != "3" {
				t.Fatalf("reply %d = %q, want pong", i, s)
			}
		}
		if s := w.readText(t); s != "4after" {
			t.Fatalf("after the flood %q", s)
		}
		hc.check(t)
	})

	t.Run("ping-flood-non-reading-client-bounded-queue", func(t *testing.T) {
		// A client that pings without reading the pongs must hit the send
		// queue bound like any other backlog. Over polling (a POST of
		// pings and never a GET) the backlog builds at once; over
		// WebSocket the same code path is reached only after the kernel
		// buffers filled (megabytes of pongs, too slow for this suite).
		h := startEIOHostile(t, &engineio.Options{MaxSendQueue: 4 << 10})
		hc := startHealthyEIO(t, h.host, eioPath)
		_, q := pollHandshake(t, h.host, eioPath)
		body := bytes.Repeat([]byte("1:2"), 100000)
		if resp, dropped := pollPost(t, h.host, q, "text/plain;charset=UTF-8", body); dropped || resp.status != 200 {
			t.Fatalf("POST: %+v dropped=%v", resp, dropped)
		}
		h.expectReason(t, engineio.ReasonSendQueueOverflow)
		gone(t, h.host, q)
		hc.check(t)
	})

	t.Run("non-reading-client-send-queue-overflow", func(t *testing.T) {
		h := startEIOHostile(t, &engineio.Options{MaxSendQueue: 1 << 20})
		hc := startHealthyEIO(t, h.host, eioPath)
		w := open(t, h)
		if err := w.text("4flood:1000000"); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-h.floodErr:
			if !errors.Is(err, engineio.ErrQueueFull) {
				t.Errorf("flood ended with %v, want ErrQueueFull", err)
			}
		case <-time.After(hostileIO):
			t.Fatal("flood never hit the queue bound")
		}
		h.expectReason(t, engineio.ReasonSendQueueOverflow)
		hc.check(t)
	})

	t.Run("non-reading-client-unbounded-queue-server-close", func(t *testing.T) {
		// Default options (no MaxSendQueue, as 1.8.3): a client that
		// stops reading with megabytes queued must not keep Server.Close
		// (cleanup, 10 s hang detector) waiting for a drain that never
		// comes.
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		w := open(t, h)
		_ = w.c.(*net.TCPConn).SetReadBuffer(4096)
		if err := w.text("4flood:300"); err != nil { // 300 x 64 KiB
			t.Fatal(err)
		}
		if err := <-h.floodErr; err != nil {
			t.Fatalf("flood: %v", err)
		}
		hc.check(t)
		h.Close(t) // with the client connected, not reading
	})

	t.Run("non-reading-client-ping-timeout", func(t *testing.T) {
		// The heartbeat must end a session whose writer is stuck on a
		// peer that does not read.
		h := startEIOHostile(t, &engineio.Options{PingInterval: 200 * time.Millisecond, PingTimeout: 300 * time.Millisecond})
		w := open(t, h)
		_ = w.c.(*net.TCPConn).SetReadBuffer(4096)
		if err := w.text("4flood:300"); err != nil {
			t.Fatal(err)
		}
		if err := <-h.floodErr; err != nil {
			t.Fatalf("flood: %v", err)
		}
		h.expectReason(t, engineio.ReasonPingTimeout)
	})

	t.Run("binary-frame-unknown-type-ignored", func(t *testing.T) {
		// engine.io-parser 1.3.2 gives a binary packet with type byte > 6
		// an undefined type, which the socket ignores.
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		w := open(t, h)
		for _, b := range [][]byte{{9, 1, 2}, {255}, {}, {7}} {
			if err := w.frame(true, 2, b); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.text("4still-here"); err != nil {
			t.Fatal(err)
		}
		if s := w.readText(t); s != "4still-here" {
			t.Fatalf("got %q", s)
		}
		hc.check(t)
	})

	t.Run("text-b4-bad-base64-lenient", func(t *testing.T) {
		// Node's base64 decoder skips invalid characters: no parse error.
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		w := open(t, h)
		for _, s := range []string{"b4!!!", "b4AQ=ID", "b4", "b4====", "b9AQID"} {
			if err := w.text(s); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.text("4still-here"); err != nil {
			t.Fatal(err)
		}
		for {
			op, p, err := w.read()
			if err != nil || op == 8 {
				t.Fatalf("session ended: op %d %v", op, err)
			}
			if op == 1 && string(p) == "4still-here" {
				break
			}
		}
		hc.check(t)
	})

	t.Run("text-unknown-type-parse-error", func(t *testing.T) {
		// covers: EIO-CL-27
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		w := open(t, h)
		if err := w.text("9abc"); err != nil {
			t.Fatal(err)
		}
		w.expectClose(t)
		h.expectReason(t, engineio.ReasonParseError)
		hc.check(t)
	})
}

// TestHostileEIOUpgrade plays games with the upgrade probe.
func TestHostileEIOUpgrade(t *testing.T) {
	upg := func(q string) string {
		return strings.Replace(q, "transport=polling", "transport=websocket", 1)
	}

	t.Run("upgrade-twice", func(t *testing.T) {
		// covers: SUP-20
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		_, q := pollHandshake(t, h.host, eioPath)
		w1 := dialRawWS(t, h.host, upg(q))
		if err := w1.text("2probe"); err != nil {
			t.Fatal(err)
		}
		if s := w1.readText(t); s != "3probe" {
			t.Fatalf("probe answer %q", s)
		}
		w2 := dialRawWS(t, h.host, upg(q))
		_ = w2.text("2probe")
		w2.expectClose(t) // the second upgrade is refused
		if err := w1.text("5"); err != nil {
			t.Fatal(err)
		}
		if err := w1.text("4hello"); err != nil {
			t.Fatal(err)
		}
		if s := w1.readText(t); s != "4hello" {
			t.Fatalf("after upgrade %q", s)
		}
		// A third upgrade of the upgraded session is refused too.
		w3 := dialRawWS(t, h.host, upg(q))
		_ = w3.text("2probe")
		w3.expectClose(t)
		// Polling requests of the upgraded session get 400.
		if resp, _ := pollGet(t, h.host, q); resp.status != 400 {
			t.Errorf("GET after upgrade: %+v", resp)
		}
		if err := w1.text("4again"); err != nil {
			t.Fatal(err)
		}
		if s := w1.readText(t); s != "4again" {
			t.Fatalf("after refused upgrades %q", s)
		}
		hc.check(t)
	})

	t.Run("probe-on-websocket-session", func(t *testing.T) {
		// covers: SUP-15
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		w := dialRawWS(t, h.host, eioPath+"?EIO=3&transport=websocket")
		open := w.readText(t)
		sid := sidRE.FindStringSubmatch(open)[1]
		for _, s := range []string{"2probe", "5", "3probe", "6", "0"} {
			if err := w.text(s); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.text("4ok"); err != nil {
			t.Fatal(err)
		}
		for {
			s := w.readText(t)
			if s == "4ok" {
				break
			}
			if s != "3" { // a pong never echoes data, not even "probe"
				t.Fatalf("unexpected %q", s)
			}
		}
		// Upgrading a WebSocket session to another WebSocket is refused.
		w2 := dialRawWS(t, h.host, eioPath+"?EIO=3&transport=websocket&sid="+sid)
		_ = w2.text("2probe")
		w2.expectClose(t)
		if err := w.text("4ok2"); err != nil {
			t.Fatal(err)
		}
		if s := w.readText(t); s != "4ok2" {
			t.Fatalf("got %q", s)
		}
		hc.check(t)
	})

	t.Run("upgrade-packet-without-probe", func(t *testing.T) {
		// engine.io 1.8.3 completes the upgrade on "5" even without a probe.
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		_, q := pollHandshake(t, h.host, eioPath)
		w := dialRawWS(t, h.host, upg(q))
		if err := w.text("5"); err != nil {
			t.Fatal(err)
		}
		if err := w.text("4x"); err != nil {
			t.Fatal(err)
		}
		if s := w.readText(t); s != "4x" {
			t.Fatalf("got %q", s)
		}
		hc.check(t)
	})

	t.Run("garbage-during-upgrade-keeps-polling", func(t *testing.T) {
		// covers: SUP-19
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		_, q := pollHandshake(t, h.host, eioPath)
		w := dialRawWS(t, h.host, upg(q))
		if err := w.text("4not-a-probe"); err != nil {
			t.Fatal(err)
		}
		w.expectClose(t)
		alive(t, h.host, q)
		hc.check(t)
	})

	t.Run("close-during-upgrade-keeps-polling", func(t *testing.T) {
		h := startEIOHostile(t, nil)
		hc := startHealthyEIO(t, h.host, eioPath)
		_, q := pollHandshake(t, h.host, eioPath)
		w := dialRawWS(t, h.host, upg(q))
		if err := w.text("2probe"); err != nil {
			t.Fatal(err)
		}
		if s := w.readText(t); s != "3probe" {
			t.Fatalf("probe answer %q", s)
		}
		resetConn(w.c)
		// The session is still on polling and works.
		alive(t, h.host, q)
		select {
		case r := <-h.reasons:
			t.Errorf("session closed: %q", r)
		default:
		}
		hc.check(t)
	})

	t.Run("server-close-during-upgrade", func(t *testing.T) {
		h := startEIOHostile(t, nil)
		_, q := pollHandshake(t, h.host, eioPath)
		// A parked GET and a probed upgrade when the server closes.
		get, err := net.Dial("tcp", h.host)
		if err != nil {
			t.Fatal(err)
		}
		defer get.Close()
		_, _ = get.Write(httpReq("GET", q, "", nil))
		w := dialRawWS(t, h.host, upg(q))
		if err := w.text("2probe"); err != nil {
			t.Fatal(err)
		}
		if s := w.readText(t); s != "3probe" {
			t.Fatalf("probe answer %q", s)
		}
		h.Close(t)
		if r := h.waitReason(t); r != engineio.ReasonForcedClose {
			t.Errorf("reason %q", r)
		}
	})
}

// TestHostileEIOConcurrentSessions runs many sessions of both transports
// at once under the race detector; every echo must come back in order.
func TestHostileEIOConcurrentSessions(t *testing.T) {
	h := startEIOHostile(t, &engineio.Options{MaxSendQueue: 1 << 20})
	const sessions, msgs = 30, 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*sessions)
	for i := 0; i < sessions; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			hc := startHealthy(t, h.host, eioPath, "", msgs, func(i int) string { return "4c" + strconv.Itoa(i) },
				func(i int) string { return "4c" + strconv.Itoa(i) })
			close(hc.stop)
			<-hc.done
			if hc.err != nil {
				errs <- hc.err
			}
		}()
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: hostileIO, Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			resp, err := client.Get(h.url + "?EIO=3&transport=polling&b64=1")
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			m := sidRE.FindSubmatch(b)
			if m == nil {
				errs <- fmt.Errorf("handshake %q", b)
				return
			}
			q := h.url + "?EIO=3&transport=polling&b64=1&sid=" + string(m[1])
			for j := 0; j < msgs; j++ {
				msg := fmt.Sprintf("4p%d", j)
				resp, err := client.Post(q, "text/plain;charset=UTF-8", strings.NewReader(fmt.Sprintf("%d:%s", len(msg), msg)))
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				resp, err = client.Get(q)
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if want := fmt.Sprintf("%d:%s", len(msg), msg); string(b) != want {
					errs <- fmt.Errorf("polling echo %d = %q, want %q", j, b, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestHostileEIOCloseUnderLoad closes the server while clients keep
// handshaking, upgrading, posting and polling: Close must return promptly,
// nothing may panic or be left running.
func TestHostileEIOCloseUnderLoad(t *testing.T) {
	h := startEIOHostile(t, &engineio.Options{MaxSendQueue: 1 << 20})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: hostileIO, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() { // polling sessions with traffic
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(h.url + "?EIO=3&transport=polling&b64=1")
				if err != nil {
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				m := sidRE.FindSubmatch(b)
				if m == nil {
					continue
				}
				q := h.url + "?EIO=3&transport=polling&b64=1&sid=" + string(m[1])
				if resp, err := client.Post(q, "text/plain", strings.NewReader("3:4ab1:2")); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if resp, err := client.Get(q); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
		go func() { // WebSocket sessions and upgrades
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := net.DialTimeout("tcp", h.host, hostileIO)
				if err != nil {
					continue
				}
				_ = c.SetDeadline(time.Now().Add(hostileIO))
				fmt.Fprintf(c, "GET %s?EIO=3&transport=websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", eioPath)
				w := &rawWS{c: c, br: bufio.NewReader(c)}
				if r, err := http.ReadResponse(w.br, nil); err == nil && r.StatusCode == 101 {
					_ = w.text("4hello")
					_ = w.text("2")
					_, _, _ = w.read()
				}
				c.Close()
			}
		}()
	}
	// Let the load build up, then close under it.
	for n := 0; n < 50; n++ {
		select {
		case <-h.messages:
		case <-time.After(hostileIO):
			t.Fatal("no traffic")
		}
	}
	h.Close(t)
	close(stop)
	wg.Wait()
}
