package socketio

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRootAutoConnect(t *testing.T) {
	// covers: SIO-NS-03, SIO-NS-04, SUP-31
	ts := newTestServer(t, nil)
	got := make(chan *Socket, 1)
	ts.Of("/").OnConnection(func(s *Socket) { got <- s })
	f := ts.connect("")
	s := wait(t, got)
	if s.ID() != f.id {
		t.Fatalf("root socket id %q, want bare sid %q", s.ID(), f.id)
	}
	if !s.Connected() || ts.Of("/").Len() != 1 {
		t.Fatal("root socket not registered")
	}
}

func TestNamespaceConnect(t *testing.T) {
	ts := newTestServer(t, nil)
	chat := ts.Of("/chat")
	ts.Of("news") // "news" means "/news"
	got := make(chan *Socket, 2)
	chat.OnConnection(func(s *Socket) { got <- s })
	f := ts.connect("")

	t.Run("SIO-NS-06 connect and id SUP-32", func(t *testing.T) {
		f.text("40/chat")
		f.expect(t, "40/chat")
		s := wait(t, got)
		if want := "/chat#" + f.id; s.ID() != want {
			t.Fatalf("id %q, want %q", s.ID(), want)
		}
		if s.SessionID() != f.id {
			t.Fatalf("SessionID %q", s.SessionID())
		}
		f.text("40/news")
		f.expect(t, "40/news")
	})
	t.Run("SIO-NS-07 of empty and relative names", func(t *testing.T) {
		if ts.Of("") != ts.Of("/") || ts.Of("news") != ts.Of("/news") {
			t.Fatal("Of does not normalise names")
		}
	})
	t.Run("SIO-NS-15 SUP-33 invalid namespace", func(t *testing.T) {
		f.text("40/foo?a=b&c")
		f.expect(t, `44/foo,"Invalid namespace"`)
	})
	t.Run("SUP-33 invalid namespace overtakes a pending connect", func(t *testing.T) {
		release := make(chan struct{})
		slow := ts.Of("/slow")
		slow.Use(func(*Socket) error { <-release; return nil })
		f.text("40/slow")
		f.text("40/nope")
		f.expect(t, `44/nope,"Invalid namespace"`)
		close(release)
		f.expect(t, "40/slow")
	})
}

func TestHandshake(t *testing.T) {
	// covers: SIO-SET-09, SUP-47, SUP-58, SIO-SK-33, SIO-SK-34, SIO-SK-35
	ts := newTestServer(t, nil)
	got := make(chan *Socket, 1)
	ts.Of("/chat").OnConnection(func(s *Socket) { got <- s })
	f := ts.connect("/socket.io/?EIO=3&transport=polling&token=url")
	f.text("40/chat?token=nsp&extra=1&key2=%26%3Dbb")
	f.expect(t, "40/chat")
	s := wait(t, got)
	hs := s.Handshake()
	q, _ := hs.Query.MarshalJSON()
	if want := `{"token":"url","extra":"1","key2":"&=bb","EIO":"3","transport":"polling"}`; string(q) != want {
		t.Fatalf("query %s, want %s", q, want)
	}
	if hs.URL != "/socket.io/?EIO=3&transport=polling&token=url" || hs.Address != "::ffff:127.0.0.1" {
		t.Fatalf("url %q address %q", hs.URL, hs.Address)
	}
	if hs.Header.Get("User-Agent") != "test" || hs.XDomain || hs.Secure {
		t.Fatalf("headers/xdomain/secure wrong: %+v", hs)
	}
	if ts := hs.TimeString(); !strings.HasSuffix(ts, "GMT+0000 (Coordinated Universal Time)") || len(ts) != len("Wed Nov 25 2026 17:13:39 GMT+0000 (Coordinated Universal Time)") {
		t.Fatalf("time string %q", ts)
	}
	if d := time.Since(time.UnixMilli(hs.Issued())); d < 0 || d > time.Hour {
		t.Fatalf("issued %d", hs.Issued())
	}
}

func TestNamespaceMiddleware(t *testing.T) {
	tests := []struct {
		name string
		nsp  string
		err  error
		want string
	}{
		{"SUP-34 SIO-MW-02 plain error", "/auth", errors.New("not authorized"), `44/auth,"not authorized"`},
		{"SUP-34 SIO-MW-03 error data", "/auth", &MiddlewareError{Message: "x", Data: map[string]any{"reason": "zz"}}, `44/auth,{"reason":"zz"}`},
		{"SUP-32 no data no message", "/auth", &MiddlewareError{}, `44/auth`},
		{"message only", "/auth", &MiddlewareError{Message: "m"}, `44/auth,"m"`},
		{"wrapped MiddlewareError", "/auth", errors.Join(&MiddlewareError{Data: []any{1, "a"}}), `44/auth,[1,"a"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			ran := make(chan string, 3)
			n := ts.Of(tt.nsp)
			n.Use(func(s *Socket) error { ran <- "1"; return tt.err })
			n.Use(func(s *Socket) error { ran <- "2"; return nil })
			n.OnConnection(func(s *Socket) { ran <- "connected" })
			f := ts.connect("")
			f.text("40" + tt.nsp)
			f.expect(t, tt.want)
			f.sync(t)
			if got := wait(t, ran); got != "1" || len(ran) != 0 {
				t.Fatalf("later middleware or connection ran")
			}
			if n.Len() != 0 || f.isClosed() {
				t.Fatal("socket registered or session closed after rejection")
			}
		})
	}
	t.Run("SUP-34 root rejection", func(t *testing.T) {
		ts := newTestServer(t, nil)
		ts.Of("/").Use(func(*Socket) error { return errors.New("root denied") })
		f := ts.open("")
		f.expect(t, `44"root denied"`)
	})
	t.Run("SIO-MW-01 SIO-MW-04 middlewares before connection", func(t *testing.T) {
		ts := newTestServer(t, nil)
		var order []string
		done := make(chan []string, 1)
		ts.Of("/").Use(func(s *Socket) error { order = append(order, "1"); return nil })
		ts.Of("/").Use(func(s *Socket) error { order = append(order, "2"); s.SetData("set"); return nil })
		ts.Of("/chat").Use(func(s *Socket) error { order = append(order, "3"); return nil })
		ts.Of("/chat").Use(func(s *Socket) error { order = append(order, "4"); return nil })
		ts.Of("/chat").OnConnection(func(s *Socket) { done <- slices.Clone(order) })
		ts.Of("/").OnConnection(func(s *Socket) {
			if s.Data() != "set" {
				t.Error("middleware data not visible in connection handler")
			}
		})
		f := ts.connect("")
		f.text("40/chat")
		f.expect(t, "40/chat")
		// covers: SIO-MW-06
		if got := wait(t, done); !slices.Equal(got, []string{"1", "2", "3", "4"}) {
			t.Fatalf("order %v", got)
		}
	})
	t.Run("SIO-MW-05 session closed during middleware", func(t *testing.T) {
		ts := newTestServer(t, nil)
		release := make(chan struct{})
		connected := make(chan bool, 1)
		ts.Of("/").Use(func(*Socket) error { <-release; return nil })
		ts.Of("/").OnConnection(func(*Socket) { connected <- true })
		f := ts.open("")
		f.engineClose(ReasonTransportClose)
		close(release)
		f.sync(t)
		if len(connected) != 0 || ts.Of("/").Len() != 0 {
			t.Fatal("connection fired after the session closed")
		}
	})
}

func TestConnectBuffer(t *testing.T) {
	t.Run("SUP-39 query lost while root middleware runs", func(t *testing.T) {
		ts := newTestServer(t, nil)
		release := make(chan struct{})
		ts.Of("/").Use(func(*Socket) error { <-release; return nil })
		auth := ts.Of("/auth")
		auth.Use(func(s *Socket) error {
			if s.Handshake().Query.Get("token") != "secret" {
				return errors.New("not authorized")
			}
			return nil
		})
		f := ts.open("")
		f.text("40/auth?token=secret")
		close(release)
		f.expect(t, "40", `44/auth,"not authorized"`)
	})
	t.Run("SUP-40 root rejected: buffered connect never answered", func(t *testing.T) {
		ts := newTestServer(t, nil)
		release := make(chan struct{})
		ts.Of("/").Use(func(*Socket) error { <-release; return errors.New("root denied") })
		ts.Of("/chat")
		f := ts.open("")
		f.text("40/chat")
		close(release)
		f.expect(t, `44"root denied"`)
		f.quiet(t)
	})
	t.Run("SIO-NS-13 buffered after root disconnect", func(t *testing.T) {
		ts := newTestServer(t, nil)
		ts.Of("/ns")
		ts.Of("/").OnConnection(func(s *Socket) { s.Disconnect(false) })
		f := ts.open("")
		f.expect(t, "40", "41")
		f.text("40/ns")
		f.quiet(t)
	})
}

func TestDuplicateConnect(t *testing.T) {
	// covers: S§14.9 — a second CONNECT reruns middleware, resends 40/chat
	ts := newTestServer(t, nil)
	runs := 0
	reasons := make(chan string, 2)
	chat := ts.Of("/chat")
	chat.Use(func(*Socket) error { runs++; return nil })
	chat.OnConnection(func(s *Socket) {
		s.OnDisconnect(func(_ *Socket, r string) { reasons <- r })
	})
	f := ts.connect("")
	f.text("40/chat")
	f.expect(t, "40/chat")
	f.text("40/chat")
	f.expect(t, "40/chat")
	if got := wait(t, reasons); got != ReasonClientNamespaceDisconnect {
		t.Fatalf("first socket closed with %q", got)
	}
	f.sync(t)
	if runs != 2 || chat.Len() != 1 {
		t.Fatalf("middleware runs %d, sockets %d", runs, chat.Len())
	}
	if rooms := chat.Adapter().SocketRooms("/chat#" + f.id); !slices.Equal(rooms, []string{"/chat#" + f.id}) {
		t.Fatalf("rooms of the new socket %v", rooms)
	}
}

func TestServerBasics(t *testing.T) {
	ts := newTestServer(t, nil)
	t.Run("SIO-NS-01 Sockets is the root namespace", func(t *testing.T) {
		if ts.Sockets() != ts.Of("/") || ts.Sockets().Name() != "/" {
			t.Fatal("Sockets() is not the root namespace")
		}
	})
	t.Run("SIO-NS-09 several connection handlers", func(t *testing.T) {
		got := make(chan int, 2)
		n := ts.Of("/news")
		n.OnConnection(func(*Socket) { got <- 1 })
		n.OnConnection(func(*Socket) { got <- 2 })
		f := ts.connect("")
		f.text("40/news")
		f.expect(t, "40/news")
		if a, b := wait(t, got), wait(t, got); a != 1 || b != 2 {
			t.Fatalf("handlers ran %d, %d", a, b)
		}
	})
	t.Run("SIO-SK-07 SIO-SK-21 server emit and send", func(t *testing.T) {
		ts.Of("/").OnConnection(func(s *Socket) {
			_ = s.Emit("woot", "tobi")
			_ = s.Send("a")
		})
		f := ts.connect("")
		f.expect(t, `42["woot","tobi"]`, `42["message","a"]`)
	})
	t.Run("SIO-SET-07 SIO-SET-08 authorization-style root middleware", func(t *testing.T) {
		ts := newTestServer(t, nil)
		allow := make(chan bool, 2)
		ts.Of("/").Use(func(s *Socket) error {
			if s.Handshake().Query.Get("ok") == "1" {
				return nil
			}
			return errors.New("Not authorized")
		})
		ts.Of("/").OnConnection(func(*Socket) { allow <- true })
		ts.open("").expect(t, `44"Not authorized"`)
		ts.connect("/socket.io/?EIO=3&transport=polling&ok=1")
		wait(t, allow)
	})
	t.Run("options validation", func(t *testing.T) {
		if _, err := NewServer(&Options{Path: "nope"}); err == nil {
			t.Fatal("relative Path accepted")
		}
		if _, err := NewServer(&Options{MaxPendingPackets: -1}); err == nil {
			t.Fatal("negative MaxPendingPackets accepted")
		}
	})
}

func TestDisconnectInMiddleware(t *testing.T) {
	ts := newTestServer(t, nil)
	reasons := make(chan string, 1)
	chat := ts.Of("/chat")
	chat.Use(func(s *Socket) error {
		s.OnDisconnect(func(_ *Socket, r string) { reasons <- r })
		s.Disconnect(false)
		return nil
	})
	connected := make(chan bool, 1)
	chat.OnConnection(func(*Socket) { connected <- true })
	f := ts.connect("")
	f.text("40/chat")
	f.expect(t, "41/chat")
	if r := wait(t, reasons); r != ReasonServerNamespaceDisconnect {
		t.Fatalf("reason %q", r)
	}
	f.quiet(t)
	if len(connected) != 0 || chat.Len() != 0 {
		t.Fatal("socket disconnected in middleware got connected")
	}
}
