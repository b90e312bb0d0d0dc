package wsconn

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// countConn records every Write call.
type countConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (c *countConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes = append(c.writes, bytes.Clone(p))
	c.mu.Unlock()
	return len(p), nil
}

func TestCork(t *testing.T) {
	cc := &countConn{}
	c := NewConn(cc)
	_, _ = c.Write([]byte("direct"))
	c.Cork()
	for _, s := range []string{"a", "b", "c"} {
		if n, err := c.Write([]byte(s)); n != 1 || err != nil {
			t.Fatalf("corked write: %d %v", n, err)
		}
	}
	if len(cc.writes) != 1 {
		t.Fatalf("%d writes reached the connection while corked", len(cc.writes))
	}
	if err := c.Uncork(); err != nil {
		t.Fatal(err)
	}
	if len(cc.writes) != 2 || string(cc.writes[1]) != "abc" {
		t.Fatalf("writes %q, want [direct abc]", cc.writes)
	}
	// Big writes flush early, in order.
	c.Cork()
	big := bytes.Repeat([]byte("x"), corkLimit)
	_, _ = c.Write([]byte("h"))
	_, _ = c.Write(big)
	_, _ = c.Write([]byte("t"))
	_ = c.Uncork()
	var all []byte
	for _, w := range cc.writes[2:] {
		all = append(all, w...)
	}
	if string(all) != "h"+string(big)+"t" {
		t.Fatalf("order lost: %d bytes", len(all))
	}
}

func TestUpgrade(t *testing.T) {
	tests := []struct {
		name string
		hdr  http.Header
		ok   bool
	}{
		{"valid", http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-Websocket-Version": {"13"}}, true},
		{"no key", http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Version": {"13"}}, false},
		{"version 8", http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-Websocket-Version": {"8"}}, false},
		{"short key", http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Key": {"abc"}, "Sec-Websocket-Version": {"13"}}, false},
		{"not websocket", http.Header{"Upgrade": {"irc"}, "Connection": {"Upgrade"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-Websocket-Version": {"13"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			out := make(chan string, 1)
			go func() {
				r := bufio.NewReader(b)
				var sb strings.Builder
				for {
					line, err := r.ReadString('\n')
					sb.WriteString(line)
					if err != nil || line == "\r\n" {
						break
					}
				}
				out <- sb.String()
				_, _ = io.Copy(io.Discard, b)
			}()
			u := &websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
			c, _, err := Upgrade(u, a, tt.hdr, 512)
			got := <-out
			if tt.ok {
				if err != nil || c == nil || !strings.HasPrefix(got, "HTTP/1.1 101 Switching Protocols\r\n") ||
					!strings.Contains(got, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") {
					t.Fatalf("err %v, response %q", err, got)
				}
				return
			}
			if err == nil || got != "HTTP/1.1 400 Bad Request\r\nContent-type: text/html\r\n\r\n" {
				t.Fatalf("err %v, response %q", err, got)
			}
		})
	}
}

// TestExpire: a write blocked on a peer that never reads fails at the
// Expire deadline even though the WebSocket library clears the write
// deadline before every frame.
func TestExpire(t *testing.T) {
	a, b := net.Pipe() // b never reads: every write blocks
	defer a.Close()
	defer b.Close()
	c := NewConn(a)
	done := make(chan error, 1)
	go func() {
		_ = c.SetWriteDeadline(time.Time{}) // as gorilla does per frame
		_, err := c.Write([]byte("blocked"))
		done <- err
	}()
	c.Expire(time.Now().Add(20 * time.Millisecond))
	select {
	case err := <-done:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("write error %v, want a timeout", err)
		}
	case <-time.After(10 * time.Second): // hang detector
		t.Fatal("write still blocked after Expire")
	}
	// Later deadlines cannot extend it.
	if err := c.SetWriteDeadline(time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Conn.Write([]byte("x")); err == nil {
		t.Fatal("write succeeded past the Expire deadline")
	}
}
