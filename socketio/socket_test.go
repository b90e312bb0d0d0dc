package socketio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fastsio/fastsio/engineio"
	parser "github.com/fastsio/fastsio/socketio-parser"
)

// echoApp installs a subset of the contract app's handlers on nsps.
func echoApp(ts *testServer, nsps ...string) {
	for _, name := range nsps {
		n := ts.Of(name)
		n.On("echo", func(s *Socket, args Args, ack AckFunc) {
			vals := make([]any, args.Len())
			for i := range vals {
				vals[i], _ = args.Any(i)
			}
			if ack != nil {
				_ = ack(vals...)
				return
			}
			_ = s.Emit("echo", vals...)
		})
		n.On("ack2", func(s *Socket, args Args, ack AckFunc) {
			_ = ack(1)
			_ = ack(2)
		})
		n.On("ask", func(s *Socket, args Args, ack AckFunc) {
			var ev string
			_ = args.Decode(0, &ev)
			_ = s.Emit(ev, "q", func(a Args) {
				v, _ := a.Any(0)
				_ = s.Emit("answered", v)
			})
		})
		n.On("bin", func(s *Socket, args Args, ack AckFunc) {
			v := []any{[]byte{1, 2, 3}, map[string]any{"x": []any{[]byte{4}}}}
			if ack != nil {
				_ = ack(v...)
				return
			}
			_ = s.Emit("bin", v...)
		})
	}
}

func TestEvents(t *testing.T) {
	ts := newTestServer(t, nil)
	echoApp(ts, "/", "/chat")
	f := ts.connect("")
	f.text("40/chat")
	f.expect(t, "40/chat")
	tests := []struct {
		name string
		in   []string
		bin  [][]byte
		want []string
	}{
		{"SIO-SK-03 echo", []string{`42["echo",1,"2",[3]]`}, nil, []string{`42["echo",1,"2",[3]]`}},
		{"S§13 echo on /chat", []string{`42/chat,["echo",1]`}, nil, []string{`42/chat,["echo",1]`}},
		{"SIO-SK-22 SIO-SK-25 client ack", []string{`425["echo",1,2]`}, nil, []string{`435[1,2]`}},
		{"S§13 client ack on /chat", []string{`42/chat,5["echo",1]`}, nil, []string{`43/chat,5[1]`}},
		{"SUP-36 ack twice sends once", []string{`42/chat,1["ack2"]`, `42/chat,["echo","after"]`}, nil, []string{`43/chat,1[1]`, `42/chat,["echo","after"]`}},
		{"SIO-SK-08 unicode", []string{`42["echo","héllo😀 ☃ \u2028"]`}, nil, []string{"42[\"echo\",\"héllo😀 ☃ \u2028\"]"}},
		{"SIO-SK-04 SIO-SK-05 message", []string{`42["echo",null]`}, nil, []string{`42["echo",null]`}},
		{"SIO-SK-11 SIO-SK-12 binary in, echoed", []string{`451-["echo",{"a":{"_placeholder":true,"num":0}}]`}, [][]byte{{9, 8}}, []string{`451-["echo",{"a":{"_placeholder":true,"num":0}}] + <0908>`}},
		{"SIO-SK-10 SUP-49 binary out", []string{`42["bin"]`}, nil, []string{`452-["bin",{"_placeholder":true,"num":0},{"x":[{"_placeholder":true,"num":1}]}] + <010203> + <04>`}},
		{"SIO-SK-30 binary ack out", []string{`42/chat,3["bin"]`}, nil, []string{`462-/chat,3[{"_placeholder":true,"num":0},{"x":[{"_placeholder":true,"num":1}]}] + <010203> + <04>`}},
		{"SIO-SK-27 binary in with ack", []string{`451-7["echo",{"_placeholder":true,"num":0}]`}, [][]byte{{0xff}}, []string{`461-7[{"_placeholder":true,"num":0}] + <ff>`}},
		{"SUP-55 text between binary header and attachment", []string{`451-["echo",{"_placeholder":true,"num":0}]`, `42["echo","first"]`}, [][]byte{{7}}, []string{`42["echo","first"]`, `451-["echo",{"_placeholder":true,"num":0}] + <07>`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, m := range tt.in {
				f.text(m)
			}
			for _, b := range tt.bin {
				f.bin(b...)
			}
			f.expect(t, tt.want...)
		})
	}
}

func TestServerAcks(t *testing.T) {
	// covers: SUP-35, SUP-37, SIO-SK-24, SIO-SK-26, SIO-SK-29, S§14.1
	ts := newTestServer(t, nil)
	echoApp(ts, "/", "/chat")
	a := ts.connect("")
	b := ts.connect("")
	a.text("40/chat")
	a.expect(t, "40/chat")
	b.text("40/chat")
	b.expect(t, "40/chat")

	a.text(`42/chat,["ask","evt"]`)
	a.expect(t, `42/chat,0["evt","q"]`)
	a.text(`42["ask","evt2"]`)
	a.expect(t, `420["evt2","q"]`)
	b.text(`42/chat,["ask","evt3"]`)
	b.expect(t, `42/chat,1["evt3","q"]`) // the namespace counter is shared
	a.text(`43/chat,0["ok",2]`)
	a.expect(t, `42/chat,["answered","ok"]`)
	a.text(`43/chat,0["again"]`) // consumed: ignored
	a.text(`43/chat,99["unknown"]`)
	b.text(`461-/chat,1[{"_placeholder":true,"num":0}]`)
	b.bin(5, 6)
	b.expect(t, `451-/chat,["answered",{"_placeholder":true,"num":0}] + <0506>`)
	a.quiet(t)
}

func TestEmitWithAck(t *testing.T) {
	ts := newTestServer(t, nil)
	sock := make(chan *Socket, 1)
	ts.Of("/").OnConnection(func(s *Socket) { sock <- s })
	f := ts.connect("")
	s := wait(t, sock)

	t.Run("answer", func(t *testing.T) {
		res := make(chan Args, 1)
		go func() {
			a, err := s.EmitWithAck(context.Background(), "q", 1)
			if err != nil {
				t.Error(err)
			}
			res <- a
		}()
		f.expect(t, `420["q",1]`)
		f.text(`430["a",[1,2]]`)
		a := wait(t, res)
		if a.Len() != 2 || string(a.Raw(1)) != "[1,2]" {
			t.Fatalf("ack args %d %s", a.Len(), a.Raw(1))
		}
	})
	t.Run("timeout forgets the pending ack", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := s.EmitWithAck(ctx, "q", 2)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v", err)
		}
		f.expect(t, `421["q",2]`)
		if n := s.pendingAcks(); n != 0 {
			t.Fatalf("%d acks pending after timeout", n)
		}
		f.text(`431["late"]`) // ignored
	})
	t.Run("reserved", func(t *testing.T) {
		if _, err := s.EmitWithAck(context.Background(), "disconnect"); !errors.Is(err, ErrReservedEvent) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("disconnect abandons", func(t *testing.T) {
		res := make(chan error, 1)
		go func() {
			_, err := s.EmitWithAck(context.Background(), "q", 3)
			res <- err
		}()
		f.expect(t, `422["q",3]`)
		f.engineClose(ReasonTransportClose)
		if err := wait(t, res); !errors.Is(err, ErrDisconnected) {
			t.Fatalf("err %v", err)
		}
		if n := s.pendingAcks(); n != 0 {
			t.Fatalf("%d acks pending after disconnect", n)
		}
		if _, err := s.EmitWithAck(context.Background(), "q"); err == nil {
			t.Fatal("EmitWithAck on a closed socket succeeded")
		}
	})
}

func TestEmitWithAckFromHandler(t *testing.T) {
	// A handler may wait for its own client's ack: acks bypass the
	// handler queue.
	ts := newTestServer(t, nil)
	ts.Of("/").On("hold", func(s *Socket, args Args, ack AckFunc) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a, err := s.EmitWithAck(ctx, "need")
		if err != nil {
			t.Error(err)
			return
		}
		_ = s.Emit("got", string(a.Raw(0)))
	})
	f := ts.connect("")
	f.text(`42["hold"]`)
	f.expect(t, `420["need"]`)
	f.text(`430["v"]`)
	f.expect(t, `42["got","\"v\""]`)
}

func TestReservedAndBroadcastAck(t *testing.T) {
	// covers: S§5.1 reserved names, ErrAckBroadcast
	ts := newTestServer(t, nil)
	sock := make(chan *Socket, 1)
	ts.Of("/").OnConnection(func(s *Socket) { sock <- s })
	f := ts.connect("")
	s := wait(t, sock)
	for _, name := range []string{"error", "connect", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if err := s.Emit(name); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("Emit(%q) = %v", name, err)
		}
		if err := ts.Of("/").Emit(name); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("nsp Emit(%q) = %v", name, err)
		}
	}
	cb := func(Args) {}
	if err := s.Broadcast().Emit("x", cb); !errors.Is(err, ErrAckBroadcast) {
		t.Fatalf("broadcast with ack: %v", err)
	}
	if err := ts.Of("/").To("r").Emit("x", 1, cb); !errors.Is(err, ErrAckBroadcast) {
		t.Fatalf("nsp broadcast with ack: %v", err)
	}
	if err := s.Emit("x", make(chan int)); !errors.Is(err, parser.ErrUnsupported) {
		t.Fatalf("unencodable arg: %v", err)
	}
	f.quiet(t)
}

func TestBadInput(t *testing.T) {
	// covers: SUP-43, SUP-45, SUP-46, SUP-54, S§4.2, S§14.7, S§14.17
	ts := newTestServer(t, nil)
	echoApp(ts, "/", "/chat")
	errs := make(chan error, 10)
	ts.Of("/").OnConnection(func(s *Socket) {
		s.OnError(func(_ *Socket, err error) { errs <- err })
	})
	f := ts.connect("")
	f.text("40/chat")
	f.expect(t, "40/chat")
	for _, m := range []string{
		`47`, `42[bad`, `4x`, `42"x"`, `421`, `42{}`, `42[]`, `42[1,2]`, `42null`,
		`42/chat?x=1,["echo",1]`, `42/unknown,["echo",1]`, `43["noid"]`, `43/chat,5[]`, `435"notarray"`,
		`42["error","boom"]`, `42["disconnect"]`, `42["nohandler",1]`, `41/unknown`,
		`44/chat,"client says"`, `42/chat1["a"]`,
	} {
		f.text(m)
	}
	f.text(`44"root error"`)
	if ce := new(ClientError); !errors.As(wait(t, errs), &ce) || string(ce.Data) != `"root error"` {
		t.Fatalf("client ERROR packet not reported: %v", ce)
	}
	f.text(`42["echo","still alive"]`)
	f.expect(t, `42["echo","still alive"]`)
	if f.isClosed() || ts.Of("/chat").Len() != 1 {
		t.Fatal("bad input closed something")
	}
}

func TestClientError(t *testing.T) {
	// covers: SUP-44, SIO-SK-06, SIO-SK-41, SIO-SK-42, SIO-SK-43, S§9
	for _, tc := range []struct {
		name string
		feed func(f *fakeConn)
	}{
		{"illegal attachments 45x-", func(f *fakeConn) { f.text(`45x-["echo"]`) }},
		{"bare 5", func(f *fakeConn) { f.text(`45`) }},
		{"woooot", func(f *fakeConn) { f.text(`45woooot`) }},
		{"unexpected binary", func(f *fakeConn) { f.bin(1, 2) }},
		{"message without data", func(f *fakeConn) { f.c.onMessage(nil, false) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			echoApp(ts, "/", "/chat")
			type ev struct {
				id, what string
			}
			evs := make(chan ev, 10)
			for _, n := range []string{"/", "/chat"} {
				ts.Of(n).OnConnection(func(s *Socket) {
					s.OnError(func(s *Socket, err error) {
						var ce *ClientError
						if errors.As(err, &ce) && ce.Err != nil {
							evs <- ev{s.Namespace().Name(), "error"}
						}
					})
					s.OnDisconnect(func(s *Socket, r string) { evs <- ev{s.Namespace().Name(), r} })
				})
			}
			f := ts.connect("")
			f.text("40/chat")
			f.expect(t, "40/chat")
			tc.feed(f)
			got := map[ev]bool{}
			for range 4 {
				got[wait(t, evs)] = true
			}
			for _, want := range []ev{{"/", "error"}, {"/", ReasonClientError}, {"/chat", "error"}, {"/chat", ReasonClientError}} {
				if !got[want] {
					t.Fatalf("missing %v in %v", want, got)
				}
			}
			// Zombie: the session stays open, packets are ignored.
			f.text(`42["echo",1]`)
			f.text("40/chat")
			f.quiet(t)
			if f.isClosed() {
				t.Fatal("engine session closed")
			}
		})
	}
}

func TestPacketMiddleware(t *testing.T) {
	// covers: SIO-SMW-01, SIO-SMW-02, SIO-SMW-03, S§4.3
	ts := newTestServer(t, nil)
	echoApp(ts, "/chat")
	var seen [][]string
	var mu sync.Mutex
	wrapped := make(chan string, 1)
	ts.Of("/chat").OnConnection(func(s *Socket) {
		s.Use(func(s *Socket, ev *Event) error {
			mu.Lock()
			seen = append(seen, []string{"1", ev.Name})
			mu.Unlock()
			switch ev.Name {
			case "forbidden":
				return errors.New("forbidden event")
			case "data":
				return &MiddlewareError{Message: "m", Data: parser.Object{{Key: "a", Value: "b"}, {Key: "c", Value: 3}}}
			case "join":
				// like the upstream test: unshift 'wrap'
				vals := []any{ev.Name}
				for i := range ev.Args.Len() {
					v, _ := ev.Args.Any(i)
					vals = append(vals, v)
				}
				args, err := NewArgs(vals...)
				if err != nil {
					return err
				}
				ev.Name, ev.Args = "wrap", args
			}
			return nil
		})
		s.Use(func(s *Socket, ev *Event) error {
			mu.Lock()
			seen = append(seen, []string{"2", ev.Name})
			mu.Unlock()
			return nil
		})
		s.On("wrap", func(s *Socket, args Args, ack AckFunc) {
			wrapped <- fmt.Sprintf("%s,%s", args.Raw(0), args.Raw(1))
		})
	})
	f := ts.connect("")
	f.text("40/chat")
	f.expect(t, "40/chat")
	f.text(`42/chat,3["forbidden",1]`)
	f.expect(t, `44/chat,"forbidden event"`)
	f.text(`42/chat,["data"]`)
	f.expect(t, `44/chat,{"a":"b","c":3}`)
	f.text(`42/chat,["join","woot"]`)
	if got := wait(t, wrapped); got != `"join","woot"` {
		t.Fatalf("wrap got %s", got)
	}
	f.text(`42/chat,["echo",1]`)
	f.expect(t, `42/chat,["echo",1]`)
	mu.Lock()
	defer mu.Unlock()
	want := [][]string{{"1", "forbidden"}, {"1", "data"}, {"1", "join"}, {"2", "wrap"}, {"1", "echo"}, {"2", "echo"}}
	if !slices.EqualFunc(seen, want, slices.Equal) {
		t.Fatalf("middleware calls %v", seen)
	}
}

func TestArrivalOrder(t *testing.T) {
	// Events of one client are handled one at a time in arrival order.
	ts := newTestServer(t, nil)
	var got []int
	var mu sync.Mutex
	active := 0
	done := make(chan struct{})
	ts.Of("/").On("n", func(s *Socket, args Args, ack AckFunc) {
		mu.Lock()
		active++
		if active != 1 {
			t.Error("handlers of one client overlap")
		}
		mu.Unlock()
		var n int
		_ = args.Decode(0, &n)
		mu.Lock()
		got = append(got, n)
		active--
		mu.Unlock()
		if n == 999 {
			close(done)
		}
	})
	f := ts.connect("")
	for i := range 1000 {
		f.text(fmt.Sprintf(`42["n",%d]`, i))
	}
	wait(t, done)
	mu.Lock()
	defer mu.Unlock()
	for i, n := range got {
		if i != n {
			t.Fatalf("event %d handled at position %d", n, i)
		}
	}
}

func TestBackpressure(t *testing.T) {
	// A full queue blocks the reader until the handler catches up, and a
	// close unblocks it.
	ts := newTestServer(t, &Options{MaxPendingPackets: 2})
	release := make(chan struct{})
	ts.Of("/").On("slow", func(*Socket, Args, AckFunc) { <-release })
	f := ts.connect("")
	fed := make(chan struct{})
	go func() {
		for range 10 {
			f.text(`42["slow"]`)
		}
		close(fed)
	}()
	select {
	case <-fed:
		t.Fatal("reader was not held back by a full queue")
	case <-time.After(50 * time.Millisecond):
	}
	f.engineClose(ReasonTransportClose)
	wait(t, fed)
	close(release)
}

func TestAckAfterDisconnect(t *testing.T) {
	ts := newTestServer(t, nil)
	acks := make(chan AckFunc, 1)
	ts.Of("/").On("later", func(s *Socket, args Args, ack AckFunc) { acks <- ack })
	f := ts.connect("")
	f.text(`427["later"]`)
	ack := wait(t, acks)
	f.engineClose(ReasonTransportClose)
	f.sync(t)
	if err := ack(1); !errors.Is(err, ErrDisconnected) {
		t.Fatalf("late ack: %v", err)
	}
}

func TestBinaryDecode(t *testing.T) {
	// covers: SUP-54 placeholders resolved by num
	ts := newTestServer(t, nil)
	got := make(chan []any, 1)
	ts.Of("/").On("up", func(s *Socket, args Args, ack AckFunc) {
		var v []any
		if err := args.Decode(0, &v); err != nil {
			t.Error(err)
		}
		got <- v
	})
	f := ts.connect("")
	f.text(`452-["up",[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]]`)
	f.bin(1)
	f.bin(2)
	v := wait(t, got)
	if len(v) != 2 || !bytes.Equal(v[0].([]byte), []byte{2}) || !bytes.Equal(v[1].([]byte), []byte{1}) {
		t.Fatalf("decoded %v", v)
	}
}

func TestSameBatchAsConnect(t *testing.T) {
	// covers: SUP-38 (with an engine that reports batch ends)
	ts := newTestServer(t, nil)
	echoApp(ts, "/chat")
	f := ts.connect("")
	f.c.batchAware = true
	f.text("40/chat")
	f.text(`42/chat,["echo","dropped"]`)
	f.c.onBatchEnd()
	f.expect(t, "40/chat")
	f.text(`42/chat,["echo","kept"]`)
	f.c.onBatchEnd()
	f.expect(t, `42/chat,["echo","kept"]`)
	f.quiet(t)
}

func TestEventsQueuedBehindConnect(t *testing.T) {
	// Packets after a CONNECT wait for it (in order) instead of racing it.
	ts := newTestServer(t, nil)
	echoApp(ts, "/chat")
	release := make(chan struct{})
	ts.Of("/chat").Use(func(*Socket) error { <-release; return nil })
	f := ts.connect("")
	f.text("40/chat")
	f.text(`42/chat,["echo","after connect"]`)
	close(release)
	f.expect(t, "40/chat", `42/chat,["echo","after connect"]`)
}

func TestVolatileUnicast(t *testing.T) {
	// covers: SIO-SK-13, SIO-SK-17, SIO-SK-19 (flag semantics with a fake
	// transport; writability itself is engineio's)
	ts := newTestServer(t, nil)
	sock := make(chan *Socket, 1)
	ts.Of("/").OnConnection(func(s *Socket) { sock <- s })
	f := ts.connect("")
	s := wait(t, sock)
	_ = s.Emit("a")
	f.setBlocked(true) // a write is in progress
	if err := s.Volatile().Emit("dropped"); err != nil {
		t.Fatalf("volatile drop reported %v", err)
	}
	if _, err := s.Volatile().EmitWithAck(context.Background(), "dropped2"); !errors.Is(err, engineio.ErrDropped) {
		t.Fatalf("volatile EmitWithAck: %v", err)
	}
	if s.pendingAcks() != 0 {
		t.Fatal("dropped ack left pending")
	}
	f.setBlocked(false)
	_ = s.Volatile().Compress(false).Emit("b")
	f.expect(t, `42["a"]`)
	if got := f.next(t); got.String() != `42["b"]` || !got.opts.Volatile || !got.opts.NoCompress {
		t.Fatalf("got %s %+v", got, got.opts)
	}
	f.quiet(t)
}
