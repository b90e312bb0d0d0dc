package engineio

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/fastsio/fastsio/engineio/packet"
)

// upgradeTo performs the client side of an upgrade of a b64 polling session
// and returns the WebSocket (the parked GET got its noop).
func upgradeTo(t *testing.T, ts *tsrv, sid string) *websocket.Conn {
	t.Helper()
	g := ts.pollAsync(sid)
	waitParked(t, ts.Server, sid)
	c := ts.dialWS("EIO=3&transport=websocket&sid="+sid, nil)
	writeWS(t, c, websocket.TextMessage, "2probe")
	if got := readWSText(t, c); got != "3probe" {
		t.Fatalf("probe answer %q", got)
	}
	if r := recv(t, g, "parked GET"); string(r.body) != "1:6" {
		t.Fatalf("parked GET %q, want the noop 1:6", r.body)
	}
	writeWS(t, c, websocket.TextMessage, "5")
	return c
}

// covers: SUP-17, EIO-CL-11
func TestUpgrade(t *testing.T) {
	ts := start(t, nil, echo)
	sid := ts.openB64()
	s := ts.sock("connection")
	c := upgradeTo(t, ts, sid)
	// After "5" the session is on the WebSocket; polling is refused.
	writeWS(t, c, websocket.TextMessage, "4after")
	if got := readWSText(t, c); got != "4after" {
		t.Fatalf("echo %q", got)
	}
	if s.Transport() != TransportWebSocket {
		t.Errorf("transport %q", s.Transport())
	}
	for _, m := range []string{"GET", "POST"} {
		if r := ts.do(m, "EIO=3&transport=polling&sid="+sid, nil, []byte("1:2")); string(r.body) != `{"code":3,"message":"Bad request"}` {
			t.Errorf("%s after upgrade: %d %q", m, r.status, r.body)
		}
	}
	c.Close()
	if ev := ts.closed("close"); ev.reason != ReasonTransportClose {
		t.Errorf("reason %q", ev.reason)
	}
}

// covers: SUP-18, SUP-19, EIO-CL-29, EIO-CL-30
func TestUpgradeEdgeCases(t *testing.T) {
	t.Run("SUP-18 upgrade completes with a GET parked", func(t *testing.T) {
		ts := start(t, nil, nil)
		sid := ts.openB64()
		ts.sock("connection")
		g := ts.pollAsync(sid)
		waitParked(t, ts.Server, sid)
		c := ts.dialWS("EIO=3&transport=websocket&sid="+sid, nil)
		// No probe, so no noop check runs: "5" finds the GET still parked
		// (1.8.3 completes an upgrade on "5" whether or not it was probed).
		writeWS(t, c, websocket.TextMessage, "5")
		if r := recv(t, g, "GET"); string(r.body) != "1:1" {
			t.Errorf("parked GET %q, want 1:1", r.body)
		}
		writeWS(t, c, websocket.TextMessage, "2")
		if got := readWSText(t, c); got != "3" {
			t.Errorf("pong over the upgraded transport: %q", got)
		}
	})
	t.Run("SUP-19 first packet not a probe", func(t *testing.T) {
		ts := start(t, nil, echo)
		sid := ts.openB64()
		ts.sock("connection")
		c := ts.dialWS("EIO=3&transport=websocket&sid="+sid, nil)
		writeWS(t, c, websocket.TextMessage, "4hello")
		wsClosed(t, c)
		ts.send(sid, "3:4hi")
		if r := ts.poll(sid); string(r.body) != "3:4hi" {
			t.Errorf("polling after aborted upgrade: %q", r.body)
		}
	})
	t.Run("plain ping aborts", func(t *testing.T) {
		ts := start(t, nil, nil)
		sid := ts.openB64()
		ts.sock("connection")
		c := ts.dialWS("EIO=3&transport=websocket&sid="+sid, nil)
		writeWS(t, c, websocket.TextMessage, "2")
		wsClosed(t, c)
		if ts.ClientsCount() != 1 {
			t.Errorf("session gone")
		}
	})
	t.Run("EIO-CL-29 session closed during upgrade", func(t *testing.T) {
		ts := start(t, nil, nil)
		sid := ts.openB64()
		s := ts.sock("connection")
		c := ts.dialWS("EIO=3&transport=websocket&sid="+sid, nil)
		writeWS(t, c, websocket.TextMessage, "2probe")
		readWSText(t, c)
		g := ts.pollAsync(sid)
		recv(t, g, "noop GET")
		g = ts.pollAsync(sid)
		waitParked(t, ts.Server, sid)
		s.Close() // parked GET gets close, upgrading WebSocket is closed
		if r := recv(t, g, "GET"); string(r.body) != "1:1" && string(r.body) != "1:6" {
			t.Errorf("GET %q", r.body)
		}
		wsClosed(t, c)
		if ev := ts.closed("close"); ev.reason != ReasonForcedClose {
			t.Errorf("reason %q", ev.reason)
		}
	})
	t.Run("EIO-CL-30 upgrade timeout", func(t *testing.T) {
		ts := start(t, &Options{UpgradeTimeout: 50 * time.Millisecond}, echo)
		sid := ts.openB64()
		ts.sock("connection")
		c := ts.dialWS("EIO=3&transport=websocket&sid="+sid, nil)
		writeWS(t, c, websocket.TextMessage, "2probe")
		readWSText(t, c)
		wsClosed(t, c) // no "5": closed by the timer
		ts.send(sid, "3:4hi")
		if r := ts.poll(sid); string(r.body) != "3:4hi" {
			t.Errorf("session continues on polling: %q", r.body)
		}
	})
	t.Run("upgrade with b64 sends binary as base64", func(t *testing.T) {
		ts := start(t, nil, echo)
		sid := ts.openB64()
		ts.sock("connection")
		g := ts.pollAsync(sid)
		waitParked(t, ts.Server, sid)
		c := ts.dialWS("EIO=3&transport=websocket&b64=1&sid="+sid, nil)
		writeWS(t, c, websocket.TextMessage, "2probe")
		readWSText(t, c)
		recv(t, g, "noop")
		writeWS(t, c, websocket.TextMessage, "5")
		if err := c.WriteMessage(websocket.BinaryMessage, []byte{4, 1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		if got := readWSText(t, c); got != "b4AQID" {
			t.Errorf("echo %q", got)
		}
	})
	t.Run("EIO-CL-13 client closes right after open", func(t *testing.T) {
		ts := start(t, nil, nil)
		sid := ts.openB64()
		ts.sock("connection")
		c := ts.dialWS("EIO=3&transport=websocket&sid="+sid, nil)
		c.Close()
		ts.send(sid, "1:1")
		if ev := ts.closed("close"); ev.reason != ReasonTransportClose {
			t.Errorf("reason %q", ev.reason)
		}
	})
}

// covers: EIO-UPG-01, EIO-SND-09
func TestUpgradeWhileMessagesFlow(t *testing.T) {
	const n = 50
	var mu sync.Mutex
	var got []string
	ts := start(t, nil, func(s *Socket) {
		s.OnMessage(func(d []byte, _ bool) {
			mu.Lock()
			got = append(got, string(d))
			mu.Unlock()
		})
	})
	sid := ts.openB64()
	s := ts.sock("connection")

	// The server sends n numbered messages while the upgrade happens.
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := range n {
			_ = s.Send(text("s"+strconv.Itoa(i)), SendOptions{})
			time.Sleep(time.Millisecond)
		}
	}()
	var recvd []string
	collect := func(ps []packet.Packet) {
		for _, p := range ps {
			if p.Type == packet.Message {
				recvd = append(recvd, string(p.Data))
			}
		}
	}
	// Client: a few messages over polling, then the upgrade dance, then
	// the rest over the WebSocket.
	i := 0
	for ; i < 10; i++ {
		ts.send(sid, fmt.Sprintf("%d:4c%d", 2+len(strconv.Itoa(i)), i))
	}
	collect(decodePayload(t, ts.poll(sid)))
	g := ts.pollAsync(sid)
	c := ts.dialWS("EIO=3&transport=websocket&sid="+sid, nil)
	writeWS(t, c, websocket.TextMessage, "2probe")
	if m := readWSText(t, c); m != "3probe" {
		t.Fatalf("probe %q", m)
	}
	// Messages sent during "upgrading" still go over polling.
	for ; i < 12; i++ {
		ts.send(sid, fmt.Sprintf("%d:4c%d", 2+len(strconv.Itoa(i)), i))
	}
	// Drain polling until the noop arrives (the client pauses polling).
	for {
		r := recv(t, g, "GET")
		ps := decodePayload(t, r)
		collect(ps)
		if ps[len(ps)-1].Type == packet.Noop {
			break
		}
		g = ts.pollAsync(sid)
	}
	writeWS(t, c, websocket.TextMessage, "5")
	for ; i < n; i++ {
		writeWS(t, c, websocket.TextMessage, "4c"+strconv.Itoa(i))
	}
	<-sent
	for len(recvd) < n {
		m := readWSText(t, c)
		recvd = append(recvd, m[1:])
	}
	for j, m := range recvd {
		if m != "s"+strconv.Itoa(j) {
			t.Fatalf("server->client message %d = %q (all: %q)", j, m, recvd)
		}
	}
	c.Close()
	ts.closed("close")
	mu.Lock()
	defer mu.Unlock()
	if len(got) != n {
		t.Fatalf("client->server got %d messages: %q", len(got), got)
	}
	for j, m := range got {
		if m != "c"+strconv.Itoa(j) {
			t.Fatalf("client->server message %d = %q", j, m)
		}
	}
	if q := s.Request().Query().Get("transport"); q != "polling" {
		t.Errorf("handshake query transport %q", q)
	}
}
