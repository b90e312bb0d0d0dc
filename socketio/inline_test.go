package socketio

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// Events run on the engine's reader when nothing else is queued; a handler
// that waits for the client's ack there must not starve its own ack.
func TestInlineHandlerEmitWithAck(t *testing.T) {
	// covers: SIO-SK-24, SIO-SK-26
	for _, inline := range []bool{true, false} {
		t.Run(fmt.Sprintf("InlineHandlers=%v", inline), func(t *testing.T) {
			testHandlerEmitWithAck(t, &Options{InlineHandlers: inline})
		})
	}
}

func testHandlerEmitWithAck(t *testing.T, opts *Options) {
	_, addr := liveServer(t, opts, func(s *Server) {
		s.Of("/").On("ask", func(s *Socket, args Args, _ AckFunc) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			a, err := s.EmitWithAck(ctx, "q", 1)
			if err != nil {
				_ = s.Emit("got", err.Error())
				return
			}
			var n int
			_ = a.Decode(0, &n)
			_ = s.Emit("got", n)
		})
		s.Of("/").On("next", func(s *Socket, args Args, _ AckFunc) {
			_ = s.Emit("after")
		})
	})
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/socket.io/?EIO=3&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	read := func() string {
		t.Helper()
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	send := func(s string) {
		t.Helper()
		if err := ws.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got := read(); !strings.HasPrefix(got, `0{"sid":`) {
		t.Fatalf("open %q", got)
	}
	if got := read(); got != "40" {
		t.Fatalf("got %q", got)
	}
	// Repeatedly, so that the reading is handed over again and again; an
	// event sent while the handler waits runs after it, in order.
	for i := range 20 {
		send(`42["ask"]`)
		if got, want := read(), fmt.Sprintf(`42%d["q",1]`, i); got != want {
			t.Fatalf("round %d: got %q, want %q", i, got, want)
		}
		send(`42["next"]`)
		send(fmt.Sprintf(`43%d[%d]`, i, 100+i))
		for _, want := range []string{fmt.Sprintf(`42["got",%d]`, 100+i), `42["after"]`} {
			if got := read(); got != want {
				t.Fatalf("round %d: got %q, want %q", i, got, want)
			}
		}
	}
	// A ping still gets its pong after all the hand-overs.
	send("2")
	if got := read(); got != "3" {
		t.Fatalf("got %q, want pong", got)
	}
}
