package engineio

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

var fastPing = &Options{PingInterval: 20 * time.Millisecond, PingTimeout: 20 * time.Millisecond}

// covers: EIO-CL-03, EIO-CL-06, EIO-CL-25, EIO-CL-26, SUP-16, EIO-CL-04
func TestPingTimeout(t *testing.T) {
	t.Run("EIO-CL-03 EIO-CL-26 polling client never pings", func(t *testing.T) {
		ts := start(t, fastPing, nil)
		ts.openB64()
		ts.sock("connection")
		if ev := ts.closed("close"); ev.reason != ReasonPingTimeout {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("SUP-16 parked GET gets close", func(t *testing.T) {
		ts := start(t, fastPing, nil)
		sid := ts.openB64()
		ts.sock("connection")
		if r := recv(t, ts.pollAsync(sid), "GET"); string(r.body) != "1:1" {
			t.Errorf("GET %q", r.body)
		}
		if ev := ts.closed("close"); ev.reason != ReasonPingTimeout {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("EIO-CL-25 EIO-CL-06 websocket client silent", func(t *testing.T) {
		ts := start(t, fastPing, nil)
		c, _ := ts.openWS("")
		ts.sock("connection")
		var ce *websocket.CloseError
		if err := wsClosed(t, c); !errors.As(err, &ce) || ce.Code != 1000 {
			t.Errorf("close %v", err)
		}
		if ev := ts.closed("close"); ev.reason != ReasonPingTimeout {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("EIO-CL-04 server close with no GET, client gone", func(t *testing.T) {
		ts := start(t, fastPing, nil)
		ts.openB64()
		s := ts.sock("connection")
		s.Close() // waits for a GET that never comes
		if ev := ts.closed("close"); ev.reason != ReasonPingTimeout {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("orderly polling close gives up after closeTimeout", func(t *testing.T) {
		ts := start(t, nil, nil)
		ts.Server.cfg.closeTimeout = 20 * time.Millisecond
		ts.openB64()
		s := ts.sock("connection")
		s.Close()
		if ev := ts.closed("close"); ev.reason != ReasonForcedClose {
			t.Errorf("reason %q", ev.reason)
		}
	})
}

// covers: EIO-CL-16, EIO-CL-17, EIO-CL-19
func TestPingKeepsAlive(t *testing.T) {
	// Liveness, not timing: a client pinging well inside the window
	// survives several windows; the limit is 800 ms, pings every ~30 ms.
	ts := start(t, &Options{PingInterval: 400 * time.Millisecond, PingTimeout: 400 * time.Millisecond}, nil)
	t.Run("websocket", func(t *testing.T) {
		c, _ := ts.openWS("")
		ts.sock("connection")
		for range 60 {
			writeWS(t, c, websocket.TextMessage, "2")
			if got := readWSText(t, c); got != "3" {
				t.Fatalf("pong %q", got)
			}
			time.Sleep(30 * time.Millisecond)
		}
		if ts.ClientsCount() != 1 {
			t.Fatalf("session closed although the client pinged")
		}
	})
	t.Run("polling", func(t *testing.T) {
		sid := ts.openB64()
		ts.sock("connection")
		for range 60 {
			ts.send(sid, "1:2")
			if r := ts.poll(sid); string(r.body) != "1:3" {
				t.Fatalf("pong %q", r.body)
			}
			time.Sleep(30 * time.Millisecond)
		}
		if ts.lookup(sid) == nil {
			t.Fatalf("session closed although the client pinged")
		}
	})
}

// covers: EIO-CL-32, EIO-CL-33, EIO-CL-34, SUP-50, EIO-JSONP-06
func TestServerClose(t *testing.T) {
	ts := start(t, nil, nil)
	// One session in every state: parked GET, idle polling, WebSocket,
	// upgraded, upgrading.
	parked := ts.openB64()
	ts.sock("parked")
	g := ts.pollAsync(parked)
	waitParked(t, ts.Server, parked)
	ts.openB64()
	ts.sock("idle")
	ws, _ := ts.openWS("")
	ts.sock("ws")
	up := ts.openB64()
	ts.sock("upgraded")
	upc := upgradeTo(t, ts, up)
	upping := ts.openB64()
	ts.sock("upgrading")
	uc := ts.dialWS("EIO=3&transport=websocket&sid="+upping, nil)
	writeWS(t, uc, websocket.TextMessage, "2probe")
	readWSText(t, uc)
	ts.waitClients(5)

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := ts.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if r := recv(t, g, "parked GET"); string(r.body) != "1:1" {
		t.Errorf("parked GET %q", r.body)
	}
	for _, c := range []*websocket.Conn{ws, upc, uc} {
		wsClosed(t, c)
	}
	reasons := map[string]int{}
	for range 5 {
		reasons[ts.closed("close").reason]++
	}
	if reasons[ReasonForcedClose] != 5 {
		t.Errorf("reasons %v, want 5 forced close", reasons)
	}
	if ts.ClientsCount() != 0 {
		t.Errorf("ClientsCount %d", ts.ClientsCount())
	}
	// Close is idempotent; the cleanup calls it again.
}

// covers: EIO-CL-20
func TestCloseWhileDelivering(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	var closedAfterMsg atomic.Bool
	var msgDone atomic.Bool
	ts := start(t, nil, func(s *Socket) {
		s.OnMessage(func([]byte, bool) {
			close(entered)
			<-release
			msgDone.Store(true)
		})
		s.OnClose(func(string) { closedAfterMsg.Store(msgDone.Load()) })
	})
	sid := ts.openB64()
	ts.sock("connection")
	post := ts.doAsync("POST", "EIO=3&transport=polling&sid="+sid, nil, []byte("2:4a2:4b"))
	<-entered
	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		closed <- ts.Close(ctx)
	}()
	time.Sleep(20 * time.Millisecond) // let Close start; it must wait for the handler
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while OnMessage was running", err)
	default:
	}
	close(release)
	if err := recv(t, closed, "Close"); err != nil {
		t.Fatal(err)
	}
	recv(t, post, "POST")
	if !closedAfterMsg.Load() {
		t.Errorf("OnClose ran before the message handler returned")
	}
}

// covers: EIO-CL-12, EIO-CL-10
func TestClientCloseAfterEmptyMessage(t *testing.T) {
	ts := start(t, nil, nil)
	sid := ts.openB64()
	s := ts.sock("connection")
	_ = s.Send([]Message{{}}, SendOptions{})
	_ = s.Send(text("second"), SendOptions{})
	if r := ts.poll(sid); string(r.body) != "1:47:4second" {
		t.Fatalf("GET %q", r.body)
	}
	ts.send(sid, "1:1")
	if ev := ts.closed("close"); ev.reason != ReasonTransportClose {
		t.Errorf("reason %q", ev.reason)
	}
}

// TestCloseInsideHandler closes a socket from its own OnMessage: OnClose
// runs after the handler returns and no later message is delivered.
func TestCloseInsideHandler(t *testing.T) {
	var mu sync.Mutex
	var events []string
	ts := start(t, nil, func(s *Socket) {
		s.OnMessage(func(d []byte, _ bool) {
			mu.Lock()
			events = append(events, "msg "+string(d))
			mu.Unlock()
			s.Close()
		})
		s.OnClose(func(r string) {
			mu.Lock()
			events = append(events, "close "+r)
			mu.Unlock()
		})
	})
	c, _ := ts.openWS("")
	ts.sock("connection")
	writeWS(t, c, websocket.TextMessage, "4a")
	writeWS(t, c, websocket.TextMessage, "4b")
	wsClosed(t, c)
	ts.waitClients(0)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := ts.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 2 || events[0] != "msg a" || events[1] != "close forced close" {
		t.Errorf("events %q", events)
	}
}

// TestCloseContextExpires: a stuck OnMessage handler holds Close until
// ctx ends; Close then returns ctx's error after closing connections hard.
func TestCloseContextExpires(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	ts := start(t, nil, func(s *Socket) {
		s.OnMessage(func([]byte, bool) { close(entered); <-release })
	})
	c, _ := ts.openWS("")
	ts.sock("connection")
	writeWS(t, c, websocket.TextMessage, "4a")
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ts.Close(ctx) }()
	<-ctx.Done()
	close(release) // the handler returns; Close can finish
	if err := recv(t, done, "Close"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close = %v, want deadline exceeded", err)
	}
}

// TestCloseDuringOnConnection: a session closed while OnConnection still
// runs reports OnClose to the handler registered in it, afterwards.
func TestCloseDuringOnConnection(t *testing.T) {
	reasons := make(chan string, 1)
	ts := start(t, nil, func(s *Socket) {
		s.Close() // before OnClose is registered
		s.OnClose(func(r string) { reasons <- r })
	})
	ts.openWS("")
	if r := recv(t, reasons, "OnClose"); r != ReasonForcedClose {
		t.Errorf("reason %q", r)
	}
}

// TestCloseStuckWriter: a WebSocket client that stops reading leaves the
// flusher blocked and the session waiting to drain; Close must still end
// when its context does, closing the connection hard.
func TestCloseStuckWriter(t *testing.T) {
	ts := start(t, nil, nil)
	c, _ := ts.openWS("") // never read from again
	s := ts.sock("connection")
	big := make([]byte, 1<<20)
	for range 64 {
		if err := s.Send([]Message{{Data: big, Binary: true}}, SendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := ts.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close = %v, want deadline exceeded", err)
	}
	if ev := ts.closed("close"); ev.reason != ReasonForcedClose {
		t.Errorf("reason %q", ev.reason)
	}
	_ = c
}
