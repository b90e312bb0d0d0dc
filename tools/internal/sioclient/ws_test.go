package sioclient

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"

	"github.com/fastsio/fastsio/tools/internal/leakcheck"
)

// TestMain fails the package when goroutines outlive the tests.
func TestMain(m *testing.M) { leakcheck.Main(m, 5*time.Second) }

// srvFrame encodes one unmasked server frame with the given first byte.
func srvFrame(b0 byte, payload []byte) []byte {
	out := []byte{b0}
	switch n := len(payload); {
	case n <= 125:
		out = append(out, byte(n))
	case n <= 0xffff:
		out = append(out, 126, byte(n>>8), byte(n))
	default:
		out = append(out, 127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	return append(out, payload...)
}

func text(s string) []byte { return srvFrame(0x81, []byte(s)) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

type frame struct {
	op   byte
	data string
}

func TestFrameReader(t *testing.T) {
	big := strings.Repeat("x", 70000)
	mid := strings.Repeat("y", 3000)
	cases := []struct {
		name    string
		in      []byte
		max     int
		want    []frame
		wantErr error  // errors.Is target after the frames
		errText string // substring of the error
	}{
		{name: "text and binary", in: cat(text("0{}"), text("40"), srvFrame(0x82, []byte{4, 1, 2})),
			want: []frame{{opText, "0{}"}, {opText, "40"}, {opBinary, "\x04\x01\x02"}}, wantErr: io.EOF},
		{name: "empty text", in: text(""), want: []frame{{opText, ""}}, wantErr: io.EOF},
		{name: "16-bit length larger than the buffer", in: text(mid), want: []frame{{opText, mid}}, wantErr: io.EOF},
		{name: "64-bit length", in: cat(text(big), text("after")), want: []frame{{opText, big}, {opText, "after"}}, wantErr: io.EOF},
		{name: "fragmented with interleaved ping", in: cat(srvFrame(0x01, []byte("42[\"a")), srvFrame(0x89, []byte("p")),
			srvFrame(0x00, []byte("b\",")), srvFrame(0x80, []byte("1]")), text("3")),
			want: []frame{{opPing, "p"}, {opText, `42["ab",1]`}, {opText, "3"}}, wantErr: io.EOF},
		{name: "fragmented binary", in: cat(srvFrame(0x02, []byte{4}), srvFrame(0x80, []byte(mid))),
			want: []frame{{opBinary, "\x04" + mid}}, wantErr: io.EOF},
		{name: "close with code", in: srvFrame(0x88, []byte("\x0f\xa1bye")), want: []frame{{opClose, "\x0f\xa1bye"}}, wantErr: io.EOF},
		{name: "pong", in: srvFrame(0x8a, nil), want: []frame{{opPong, ""}}, wantErr: io.EOF},
		{name: "masked frame", in: []byte{0x81, 0x82, 1, 2, 3, 4, 'a' ^ 1, 'b' ^ 2}, wantErr: ErrProtocol, errText: "masked"},
		{name: "rsv1 set", in: srvFrame(0xc1, []byte("x")), wantErr: ErrProtocol, errText: "reserved bits"},
		{name: "unknown opcode", in: srvFrame(0x83, nil), wantErr: ErrProtocol, errText: "unknown opcode"},
		{name: "continuation first", in: srvFrame(0x80, []byte("x")), wantErr: ErrProtocol, errText: "continuation"},
		{name: "message inside fragment", in: cat(srvFrame(0x01, []byte("a")), text("b")), wantErr: ErrProtocol, errText: "inside"},
		{name: "control frame too long", in: srvFrame(0x89, bytes.Repeat([]byte("p"), 126)), wantErr: ErrProtocol, errText: "control"},
		{name: "fragmented control frame", in: srvFrame(0x09, nil), wantErr: ErrProtocol, errText: "control"},
		{name: "length top bit", in: []byte{0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 1}, wantErr: ErrProtocol, errText: "top bit"},
		{name: "oversize", in: text("0123456789"), max: 9, wantErr: ErrTooLarge},
		{name: "oversize across fragments", in: cat(srvFrame(0x01, []byte("01234")), srvFrame(0x80, []byte("56789"))), max: 9, wantErr: ErrTooLarge},
		{name: "oversize 64-bit length", in: []byte{0x81, 127, 0, 0, 1, 0, 0, 0, 0, 0}, wantErr: ErrTooLarge},
		{name: "truncated header", in: []byte{0x81}, wantErr: io.ErrUnexpectedEOF},
		{name: "truncated length", in: []byte{0x81, 126, 1}, wantErr: io.ErrUnexpectedEOF},
		{name: "truncated payload", in: text("hello")[:5], wantErr: io.ErrUnexpectedEOF},
		{name: "truncated large payload", in: text(mid)[:2000], wantErr: io.ErrUnexpectedEOF},
		{name: "eof inside fragmented message", in: srvFrame(0x01, []byte("a")), wantErr: io.ErrUnexpectedEOF},
		{name: "truncated control frame", in: srvFrame(0x89, []byte("ping"))[:4], wantErr: io.ErrUnexpectedEOF},
	}
	readers := map[string]func([]byte) io.Reader{
		"whole":    func(b []byte) io.Reader { return bytes.NewReader(b) },
		"one byte": func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
	}
	for _, tc := range cases {
		for rname, mk := range readers {
			t.Run(tc.name+"/"+rname, func(t *testing.T) {
				var r frameReader
				max := tc.max
				if max == 0 {
					max = MaxMessage
				}
				r.init(mk(tc.in), 256, max)
				var got []frame
				var err error
				for {
					var op byte
					var p []byte
					op, p, err = r.next()
					if err != nil {
						break
					}
					got = append(got, frame{op, string(p)})
				}
				if len(got) != len(tc.want) {
					t.Fatalf("got %d frames, want %d (err %v)", len(got), len(tc.want), err)
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Errorf("frame %d = {%#x %q}, want {%#x %q}", i, got[i].op, clip([]byte(got[i].data)), tc.want[i].op, clip([]byte(tc.want[i].data)))
					}
				}
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("error %v, want %v", err, tc.wantErr)
				}
				if tc.errText != "" && (err == nil || !strings.Contains(err.Error(), tc.errText)) {
					t.Errorf("error %v does not mention %q", err, tc.errText)
				}
				// Errors are sticky.
				if _, _, err2 := r.next(); err2 != err {
					t.Errorf("second next: %v, want the same error %v", err2, err)
				}
			})
		}
	}
}

// unmaskFrames decodes masked client frames.
func unmaskFrames(t *testing.T, b []byte) []frame {
	t.Helper()
	var out []frame
	for len(b) > 0 {
		if len(b) < 6 || b[0]&0x80 == 0 || b[1]&0x80 == 0 {
			t.Fatalf("bad client frame header % x", b[:min(len(b), 10)])
		}
		n, hl := int(b[1]&0x7f), 2
		switch n {
		case 126:
			n, hl = int(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			n, hl = int(binary.BigEndian.Uint64(b[2:])), 10
		}
		key := b[hl : hl+4]
		p := append([]byte(nil), b[hl+4:hl+4+n]...)
		for i := range p {
			p[i] ^= key[i%4]
		}
		out = append(out, frame{b[0] & 0x0f, string(p)})
		b = b[hl+4+n:]
	}
	return out
}

func TestAppendFrame(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 125, 126, 127, 65535, 65536, 70001} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := bytes.Repeat([]byte("abcdefghijk"), n/11+1)[:n]
			b := appendFrame([]byte("keep"), opText, p)
			if string(b[:4]) != "keep" {
				t.Fatalf("prefix clobbered")
			}
			wantHL := 2
			if n > 65535 {
				wantHL = 10
			} else if n > 125 {
				wantHL = 4
			}
			if len(b)-4 != wantHL+4+n {
				t.Fatalf("frame length %d, want %d", len(b)-4, wantHL+4+n)
			}
			got := unmaskFrames(t, b[4:])
			if len(got) != 1 || got[0].op != opText || got[0].data != string(p) {
				t.Fatalf("round trip failed for %d bytes", n)
			}
		})
	}
}

func acceptOf(key string) string {
	s := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(s[:])
}

// rawServer accepts one connection, answers the upgrade request with
// respond(key), half-closes and returns everything the client sent afterwards.
func rawServer(t *testing.T, respond func(key string) []byte) (string, <-chan []byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		defer ln.Close()
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		key := ""
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				got <- nil
				return
			}
			if k, ok := strings.CutPrefix(line, "Sec-WebSocket-Key: "); ok {
				key = strings.TrimSpace(k)
			}
			if line == "\r\n" {
				break
			}
		}
		if _, err := c.Write(respond(key)); err != nil {
			got <- nil
			return
		}
		// Half-close: a truncated response then ends in EOF, not a timeout.
		_ = c.(*net.TCPConn).CloseWrite()
		rest, _ := io.ReadAll(br)
		got <- rest
	}()
	return "http://" + ln.Addr().String(), got
}

func ok101(key string) string {
	return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptOf(key) + "\r\n\r\n"
}

const openPkt = `0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":60000}`

func TestDialHandshake(t *testing.T) {
	cases := []struct {
		name    string
		nsp     string
		respond func(key string) string
		wantErr error
		errText string
		sent    []frame // client frames the server must see (before the final close)
	}{
		{name: "101, open and 40 in one segment", respond: func(k string) string {
			return ok101(k) + string(text(openPkt)) + string(text("40"))
		}},
		{name: "lower-case headers and token lists", respond: func(k string) string {
			return "HTTP/1.1 101 OK\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\nsec-websocket-accept:" + acceptOf(k) + "\r\nX-Other: 1\r\n\r\n" + string(text(openPkt)) + string(text("40"))
		}},
		{name: "named namespace", nsp: "/chat", respond: func(k string) string {
			return ok101(k) + string(text(openPkt)) + string(text("40")) + string(text("40/chat"))
		}, sent: []frame{{opText, "40/chat"}}},
		{name: "ping during handshake is answered", respond: func(k string) string {
			return ok101(k) + string(text(openPkt)) + string(srvFrame(0x89, []byte("hi"))) + string(text("40"))
		}, sent: []frame{{opPong, "hi"}}},
		{name: "namespace refused", nsp: "/x", respond: func(k string) string {
			return ok101(k) + string(text(openPkt)) + string(text(`44/x,"Invalid namespace"`))
		}, wantErr: ErrProtocol, errText: "refused", sent: []frame{{opText, "40/x"}}},
		{name: "status 400", respond: func(string) string {
			return "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
		}, wantErr: ErrProtocol, errText: "upgrade refused"},
		{name: "garbage status line", respond: func(string) string { return "SSH-2.0-x\r\n\r\n" }, wantErr: ErrProtocol, errText: "status line"},
		{name: "bad accept", respond: func(k string) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptOf(k+"x") + "\r\n\r\n"
		}, wantErr: ErrProtocol, errText: "does not match"},
		{name: "no accept", respond: func(string) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
		}, wantErr: ErrProtocol, errText: "lacks Sec-WebSocket-Accept"},
		{name: "no upgrade", respond: func(k string) string {
			return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptOf(k) + "\r\n\r\n"
		}, wantErr: ErrProtocol, errText: "lacks Upgrade"},
		{name: "no connection", respond: func(k string) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: " + acceptOf(k) + "\r\n\r\n"
		}, wantErr: ErrProtocol, errText: "lacks Connection"},
		{name: "extension not offered", respond: func(k string) string {
			return strings.TrimSuffix(ok101(k), "\r\n") + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
		}, wantErr: ErrProtocol, errText: "extensions"},
		{name: "headers too large", respond: func(k string) string {
			return strings.TrimSuffix(ok101(k), "\r\n") + "X-Pad: " + strings.Repeat("p", 3000) + "\r\n\r\n"
		}, wantErr: ErrProtocol, errText: "exceed"},
		{name: "bad header line", respond: func(k string) string {
			return strings.TrimSuffix(ok101(k), "\r\n") + "no colon\r\n\r\n"
		}, wantErr: ErrProtocol, errText: "header line"},
		{name: "closed inside headers", respond: func(string) string { return "HTTP/1.1 101 Switching" }, wantErr: io.ErrUnexpectedEOF},
		{name: "masked frame", respond: func(k string) string {
			return ok101(k) + "\x81\x82\x01\x02\x03\x04ab"
		}, wantErr: ErrProtocol, errText: "masked"},
		{name: "not an open packet", respond: func(k string) string { return ok101(k) + string(text("40")) }, wantErr: ErrProtocol},
		{name: "close instead of CONNECT", respond: func(k string) string {
			return ok101(k) + string(text(openPkt)) + string(srvFrame(0x88, []byte("\x0f\xa1no")))
		}, errText: "code 4001", sent: []frame{{opClose, "\x0f\xa1"}}},
		{name: "truncated frame", respond: func(k string) string { return ok101(k) + string(text(openPkt)[:10]) }, wantErr: io.ErrUnexpectedEOF},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url, got := rawServer(t, func(k string) []byte { return []byte(tc.respond(k)) })
			d, err := NewDialer(Config{URL: url, Namespace: tc.nsp, HandshakeTimeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			w, err := d.Dial(context.Background())
			if tc.wantErr == nil && tc.errText == "" {
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				if w.Open.SID != "abc" || w.Open.PingInterval != 25*time.Second {
					t.Errorf("open = %+v", w.Open)
				}
				if err := w.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			} else {
				if err == nil {
					w.Abort()
					t.Fatalf("Dial succeeded, want error %v %q", tc.wantErr, tc.errText)
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("error %v, want %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.errText) {
					t.Errorf("error %v does not mention %q", err, tc.errText)
				}
			}
			frames := unmaskFrames(t, <-got)
			if tc.wantErr == nil && tc.errText == "" {
				// A clean Close ends with a close frame (1000).
				if len(frames) == 0 || frames[len(frames)-1] != (frame{opClose, "\x03\xe8"}) {
					t.Fatalf("client frames %q do not end with a normal close", frames)
				}
				frames = frames[:len(frames)-1]
			}
			if fmt.Sprint(frames) != fmt.Sprint(tc.sent) {
				t.Errorf("client sent %q, want %q", frames, tc.sent)
			}
		})
	}
}

func TestDialTimeout(t *testing.T) {
	// The server never answers the upgrade: the handshake deadline ends it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err == nil {
			_, _ = io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	d, err := NewDialer(Config{URL: "http://" + ln.Addr().String(), HandshakeTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Dial(context.Background())
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("error %v, want a timeout", err)
	}
	ln.Close()
	<-done
}

func TestDialCancel(t *testing.T) {
	// The server never answers; cancelling ctx ends the handshake long
	// before its 10s timeout.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	accepted := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err == nil {
			close(accepted)
			_, _ = io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	d, err := NewDialer(Config{URL: "http://" + ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-accepted
		cancel()
	}()
	_, err = d.Dial(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	cancel()
	ln.Close()
	<-done
}

// TestAgainstFasthttpWebsocket runs the client against the fasthttp/websocket
// server: large, fragmented, ping and close frames, and masked client writes.
func TestAgainstFasthttpWebsocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("z", 5000)
	var handlers sync.WaitGroup
	srvErr := make(chan error, 1)
	up := websocket.FastHTTPUpgrader{ReadBufferSize: 256, WriteBufferSize: 256}
	// A short idle-worker time lets the worker pool's cleaner exit soon
	// after Shutdown, for the leak check.
	srv := &fasthttp.Server{MaxIdleWorkerDuration: 50 * time.Millisecond, Handler: func(ctx *fasthttp.RequestCtx) {
		handlers.Add(1)
		err := up.Upgrade(ctx, func(ws *websocket.Conn) {
			defer handlers.Done()
			defer ws.Close()
			fail := func(err error) {
				select {
				case srvErr <- err:
				default:
				}
			}
			for _, m := range []string{openPkt, "40", big} {
				if err := ws.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
					fail(err)
					return
				}
			}
			// Fragmented: the 256-byte write buffer flushes non-final frames.
			fw, err := ws.NextWriter(websocket.BinaryMessage)
			if err != nil {
				fail(err)
				return
			}
			_, _ = fw.Write([]byte{4})
			_, _ = fw.Write([]byte(big))
			if err := fw.Close(); err != nil {
				fail(err)
				return
			}
			pongs := make(chan string, 1)
			ws.SetPongHandler(func(s string) error { pongs <- s; return nil })
			if err := ws.WriteControl(websocket.PingMessage, []byte("pp"), time.Now().Add(5*time.Second)); err != nil {
				fail(err)
				return
			}
			// Echo client messages until the client's "bye".
			for {
				_, p, err := ws.ReadMessage()
				if err != nil {
					fail(err)
					return
				}
				if string(p) == "bye" {
					break
				}
				if err := ws.WriteMessage(websocket.TextMessage, p); err != nil {
					fail(err)
					return
				}
			}
			if s := <-pongs; s != "pp" {
				fail(fmt.Errorf("pong %q", s))
				return
			}
			_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4002, "done"), time.Now().Add(5*time.Second))
			_, _, _ = ws.ReadMessage() // the client's close echo
		})
		if err != nil {
			handlers.Done()
		}
	}}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		_ = srv.Shutdown()
		handlers.Wait()
	}()

	d, err := NewDialer(Config{URL: "http://" + ln.Addr().String(), HandshakeTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w, err := d.Dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	_ = w.SetReadDeadline(time.Now().Add(10 * time.Second))
	read := func() string {
		t.Helper()
		p, err := w.Read()
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		return string(p)
	}
	if got := read(); got != big {
		t.Fatalf("large message: %d bytes", len(got))
	}
	if got := read(); got != "\x04"+big {
		t.Fatalf("fragmented message: %d bytes", len(got))
	}
	for _, m := range []string{"2", "", strings.Repeat("m", 126), strings.Repeat("n", 70000)} {
		if err := w.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
		if got := read(); got != m {
			t.Fatalf("echo of %d bytes: got %d bytes", len(m), len(got))
		}
	}
	if err := w.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	_, err = w.Read()
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != 4002 || ce.Reason != "done" {
		t.Fatalf("Read after server close: %v", err)
	}
	select {
	case err := <-srvErr:
		t.Fatalf("server: %v", err)
	default:
	}
}

func FuzzFrameReader(f *testing.F) {
	f.Add(cat(text("0{}"), srvFrame(0x01, []byte("a")), srvFrame(0x89, nil), srvFrame(0x80, []byte("b"))))
	f.Add([]byte{0x81, 126, 0, 200})
	f.Add([]byte{0x82, 127, 0, 0, 0, 0, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r frameReader
		r.init(bytes.NewReader(b), 256, 4096)
		for range 1000 {
			op, p, err := r.next()
			if err != nil {
				return
			}
			if len(p) > 4096 || op > opPong {
				t.Fatalf("op %#x len %d", op, len(p))
			}
		}
		t.Fatal("more than 1000 frames from a short input")
	})
}

func BenchmarkDial(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			br := bufio.NewReader(c)
			key := ""
			for {
				line, err := br.ReadString('\n')
				if err != nil || line == "\r\n" {
					break
				}
				if k, ok := strings.CutPrefix(line, "Sec-WebSocket-Key: "); ok {
					key = strings.TrimSpace(k)
				}
			}
			_, _ = c.Write([]byte(ok101(key) + string(text(openPkt)) + string(text("40"))))
			c.Close()
		}
	}()
	d, err := NewDialer(Config{URL: "http://" + ln.Addr().String()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		w, err := d.Dial(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		w.Abort()
	}
	ln.Close()
	wg.Wait()
}
