package engineio

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// wsOf returns the session's current WebSocket transport.
func wsOf(s *Socket) *wsTransport {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws
}

// waitState waits until t's reader state is want (a deadline against
// hangs, not a timing assertion).
func waitState(t *testing.T, tr *wsTransport, want int32) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for tr.rstate.Load() != want {
		if time.Now().After(deadline) {
			t.Fatalf("reader state %d, want %d", tr.rstate.Load(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// Idle WebSockets of Serve give up their reader goroutine (TestMain sets
// parkAfter to 20 ms) and get one back when bytes, a close or a shutdown
// arrive; nothing is lost on the way.
func TestParkedWebSocket(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("parking needs epoll")
	}
	ts := start(t, nil, echo)
	t.Run("idle connection parks and wakes for each message", func(t *testing.T) {
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		tr := wsOf(s)
		waitState(t, tr, rParked)
		for i := 0; i < 5; i++ {
			writeWS(t, c, websocket.TextMessage, "4x"+strings.Repeat("y", i*1000))
			if got := readWSText(t, c); got != "4x"+strings.Repeat("y", i*1000) {
				t.Fatalf("echo %d: %q", i, got)
			}
			waitState(t, tr, rParked)
		}
		// A server send needs no reader.
		_ = s.Send(text("pushed"), SendOptions{})
		if got := readWSText(t, c); got != "4pushed" {
			t.Fatalf("push %q", got)
		}
		// A ping arriving while parked is answered.
		writeWS(t, c, websocket.TextMessage, "2")
		if got := readWSText(t, c); got != "3" {
			t.Fatalf("pong %q", got)
		}
	})
	t.Run("busy reader parks after the sweep finds it idle", func(t *testing.T) {
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		tr := wsOf(s)
		for i := 0; i < 50; i++ {
			writeWS(t, c, websocket.TextMessage, "4burst")
		}
		for i := 0; i < 50; i++ {
			if got := readWSText(t, c); got != "4burst" {
				t.Fatalf("echo %d: %q", i, got)
			}
		}
		waitState(t, tr, rParked)
		writeWS(t, c, websocket.TextMessage, "4after")
		if got := readWSText(t, c); got != "4after" {
			t.Fatalf("echo %q", got)
		}
	})
	t.Run("peer closing a parked connection ends the session", func(t *testing.T) {
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		waitState(t, wsOf(s), rParked)
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
		if ev := ts.closed("close"); ev.id != s.ID() || ev.reason != ReasonTransportClose {
			t.Fatalf("close %+v", ev)
		}
	})
	t.Run("peer vanishing from a parked connection ends the session", func(t *testing.T) {
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		waitState(t, wsOf(s), rParked)
		c.NetConn().Close()
		if ev := ts.closed("close"); ev.id != s.ID() || ev.reason != ReasonTransportClose {
			t.Fatalf("close %+v", ev)
		}
	})
	t.Run("server closing a parked connection sends a close frame", func(t *testing.T) {
		c, _ := ts.openWS("")
		s := ts.sock("connection")
		waitState(t, wsOf(s), rParked)
		s.Close()
		err := wsClosed(t, c)
		if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("client saw %v", err)
		}
		if ev := ts.closed("close"); ev.id != s.ID() || ev.reason != ReasonForcedClose {
			t.Fatalf("close %+v", ev)
		}
	})
	t.Run("a peer that never answers the close frame is cut after the wait", func(t *testing.T) {
		r, _ := ts.dialRaw("EIO=3&transport=websocket", "")
		s := ts.sock("connection")
		r.mustRead() // open packet
		waitState(t, wsOf(s), rParked)
		s.Close()
		for {
			f, err := r.read()
			if err != nil {
				break // the server closed the TCP connection
			}
			if f.op == 8 {
				continue // close frame: not answered
			}
		}
		if ev := ts.closed("close"); ev.id != s.ID() || ev.reason != ReasonForcedClose {
			t.Fatalf("close %+v", ev)
		}
	})
}

// A parked connection is closed by Server.Close like any other.
func TestParkedWebSocketShutdown(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("parking needs epoll")
	}
	ts := start(t, nil, echo)
	c, _ := ts.openWS("")
	s := ts.sock("connection")
	waitState(t, wsOf(s), rParked)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- ts.Close(ctx) }()
	// The client (gorilla) answers the close frame.
	if err := wsClosed(t, c); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Errorf("client saw %v", err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	if ev := ts.closed("close"); ev.id != s.ID() || ev.reason != ReasonForcedClose {
		t.Fatalf("close %+v", ev)
	}
}

// Heartbeats keep working for a parked connection; a missing one ends it.
func TestParkedWebSocketPingTimeout(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("parking needs epoll")
	}
	ts := start(t, &Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond}, nil)
	c, _ := ts.openWS("")
	s := ts.sock("connection")
	tr := wsOf(s)
	for i := 0; i < 3; i++ {
		waitState(t, tr, rParked)
		writeWS(t, c, websocket.TextMessage, "2")
		if got := readWSText(t, c); got != "3" {
			t.Fatalf("pong %q", got)
		}
	}
	if ev := ts.closed("close"); ev.id != s.ID() || ev.reason != ReasonPingTimeout {
		t.Fatalf("close %+v", ev)
	}
}
