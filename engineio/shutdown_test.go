package engineio

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
)

// closeNow calls ts.Close with the hang-detector deadline while the test's
// clients are still connected (the cleanup Close runs after the
// connections' own cleanups) and fails unless it finishes gracefully.
func (ts *tsrv) closeNow() {
	ts.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := ts.Close(ctx); err != nil {
		ts.t.Fatalf("Close: %v (it waited for a client that never finishes)", err)
	}
}

// TestCloseSlowRequests: Close must not wait for requests whose headers
// or body never end (slowloris); their connections are closed after
// shutdownGrace.
func TestCloseSlowRequests(t *testing.T) {
	for _, c := range []struct{ name, req string }{
		{"headers", "GET /engine.io/?EIO=3&transport=polling HTTP/1.1\r\nHost: x\r\nX-Slow: "},
		{"small-body", "POST /engine.io/?EIO=3&transport=polling&sid=SID HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n10:4abc"},
		{"chunked-body", "POST /engine.io/?EIO=3&transport=polling&sid=SID HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n10:4abc"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := start(t, nil, nil)
			sid := ts.openB64()
			conn, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, strings.ReplaceAll(c.req, "SID", sid)); err != nil {
				t.Fatal(err)
			}
			ts.closeNow()
		})
	}
}

// TestCloseNonReadingWebSocket: a WebSocket peer that stopped reading with
// megabytes queued must not keep Close waiting for the drain.
func TestCloseNonReadingWebSocket(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 64<<10)
	flooded := make(chan struct{})
	ts := start(t, nil, func(s *Socket) {
		s.OnMessage(func([]byte, bool) {
			for i := 0; i < 300; i++ { // 19 MB: more than the socket buffers hold
				_ = s.Send([]Message{{Data: big}}, SendOptions{})
			}
			close(flooded)
		})
	})
	w, _ := ts.dialRaw("EIO=3&transport=websocket", "")
	_ = w.c.(*net.TCPConn).SetReadBuffer(4096)
	w.write(1, []byte("4go"))
	recv(t, flooded, "flood")
	ts.closeNow()
	if ev := ts.closed("close"); ev.reason != ReasonForcedClose {
		t.Errorf("reason %q, want %q", ev.reason, ReasonForcedClose)
	}
}

// TestPingFloodBoundedQueue: pongs count against MaxSendQueue, so a
// client that pings without ever reading cannot grow the queue without
// bound.
func TestPingFloodBoundedQueue(t *testing.T) {
	ts := start(t, &Options{MaxSendQueue: 1024}, nil)
	sid := ts.openB64()
	if r := ts.send(sid, string(bytes.Repeat([]byte("1:2"), 5000))); r.status != 200 {
		t.Fatalf("POST: %d %q", r.status, r.body)
	}
	if ev := ts.closed("close"); ev.reason != ReasonSendQueueOverflow {
		t.Errorf("reason %q, want %q", ev.reason, ReasonSendQueueOverflow)
	}
}
