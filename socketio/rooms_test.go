package socketio

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"unsafe"
)

// roomApp wires join/leave/to/in-all/broadcast/all like the contract app.
func roomApp(ts *testServer, names ...string) {
	for _, name := range names {
		n := ts.Of(name)
		n.On("join", func(s *Socket, args Args, ack AckFunc) {
			var r string
			_ = args.Decode(0, &r)
			_ = s.Join(r)
			if ack != nil {
				_ = ack(true)
			}
		})
		n.On("leave", func(s *Socket, args Args, ack AckFunc) {
			var r string
			_ = args.Decode(0, &r)
			_ = s.Leave(r)
			if ack != nil {
				_ = ack(true)
			}
		})
		rest := func(args Args, from int) (string, []any) {
			var ev string
			_ = args.Decode(from, &ev)
			var vals []any
			for i := from + 1; i < args.Len(); i++ {
				v, _ := args.Any(i)
				vals = append(vals, v)
			}
			return ev, vals
		}
		n.On("to", func(s *Socket, args Args, ack AckFunc) {
			var r string
			_ = args.Decode(0, &r)
			ev, vals := rest(args, 1)
			_ = s.To(r).Emit(ev, vals...)
		})
		n.On("in-all", func(s *Socket, args Args, ack AckFunc) {
			var r string
			_ = args.Decode(0, &r)
			ev, vals := rest(args, 1)
			_ = s.Namespace().In(r).Emit(ev, vals...)
		})
		n.On("broadcast", func(s *Socket, args Args, ack AckFunc) {
			ev, vals := rest(args, 0)
			_ = s.Broadcast().Emit(ev, vals...)
		})
		n.On("all", func(s *Socket, args Args, ack AckFunc) {
			ev, vals := rest(args, 0)
			_ = s.Namespace().Emit(ev, vals...)
		})
	}
}

func TestRoomsOrder(t *testing.T) {
	// covers: SIO-MM-08, SIO-MM-09, SIO-MM-10, SIO-SK-45, S§6
	ts := newTestServer(t, nil)
	sock := make(chan *Socket, 1)
	ts.Of("/").OnConnection(func(s *Socket) { sock <- s })
	f := ts.connect("")
	s := wait(t, sock)
	id := f.id
	steps := []struct {
		op   func() error
		want []string
	}{
		{func() error { return s.Join("a") }, []string{id, "a"}},
		{func() error { return s.Join("b") }, []string{id, "a", "b"}},
		{func() error { return s.Join("b") }, []string{id, "a", "b"}},
		{func() error { return s.Join("c") }, []string{id, "a", "b", "c"}},
		{func() error { return s.Leave("b") }, []string{id, "a", "c"}},
		{func() error { return s.Leave("unknown") }, []string{id, "a", "c"}},
		{func() error { return s.LeaveAll() }, nil},
	}
	ad := ts.Of("/").Adapter().(*memoryAdapter)
	for i, st := range steps {
		if err := st.op(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := s.Rooms(); !slices.Equal(got, st.want) {
			t.Fatalf("step %d: rooms %v, want %v", i, got, st.want)
		}
		if got := ad.SocketRooms(id); !slices.Equal(got, st.want) {
			t.Fatalf("step %d: adapter rooms %v, want %v", i, got, st.want)
		}
	}
	if n := ad.roomCount(); n != 0 {
		t.Fatalf("%d rooms left after leaveAll (empty rooms must be deleted)", n)
	}
}

func TestBroadcast(t *testing.T) {
	ts := newTestServer(t, nil)
	roomApp(ts, "/", "/test")
	a := ts.connect("")
	b := ts.connect("")
	c := ts.connect("")
	other := ts.connect("")
	other.text("40/test")
	other.expect(t, "40/test")
	join := func(f *fakeConn, room string) {
		t.Helper()
		f.text(fmt.Sprintf(`429["join",%q]`, room))
		f.expect(t, "439[true]")
	}
	join(a, "woot")
	join(b, "woot")
	join(b, "test")
	join(c, "test")

	t.Run("SIO-MM-01 namespace emit reaches root sockets only", func(t *testing.T) {
		a.text(`42["all","a","b"]`)
		// other's root socket gets it; its /test socket does not
		for _, f := range []*fakeConn{a, b, c, other} {
			f.expect(t, `42["a","b"]`)
		}
		other.quiet(t)
	})
	t.Run("SIO-MM-02 SUP-49 binary namespace emit", func(t *testing.T) {
		if err := ts.Of("/").Emit("bin", []byte{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		var first []byte
		for _, f := range []*fakeConn{a, b, c, other} {
			s := f.next(t)
			if got := s.String(); got != `451-["bin",{"_placeholder":true,"num":0}] + <010203>` {
				t.Fatalf("got %s", got)
			}
			// encoded once: every recipient gets the same bytes
			if first == nil {
				first = s.msgs[0].Data
			} else if unsafe.SliceData(first) != unsafe.SliceData(s.msgs[0].Data) {
				t.Fatal("broadcast was encoded more than once")
			}
		}
		other.quiet(t)
	})
	t.Run("SIO-MM-03 broadcast excludes sender", func(t *testing.T) {
		a.text(`42["broadcast","x",1]`)
		b.expect(t, `42["x",1]`)
		c.expect(t, `42["x",1]`)
		other.expect(t, `42["x",1]`)
		a.quiet(t)
		other.quiet(t)
	})
	t.Run("SIO-MM-04 in room", func(t *testing.T) {
		if err := ts.Of("/").In("woot").Emit("w"); err != nil {
			t.Fatal(err)
		}
		a.expect(t, `42["w"]`)
		b.expect(t, `42["w"]`)
		c.quiet(t)
	})
	t.Run("SIO-MM-05 several rooms, each socket once", func(t *testing.T) {
		if err := ts.Of("/").In("woot").In("test").Emit("a"); err != nil {
			t.Fatal(err)
		}
		for _, f := range []*fakeConn{a, b, c} {
			f.expect(t, `42["a"]`)
			f.quiet(t)
		}
	})
	t.Run("SIO-MM-06 SUP-48 to room excludes sender", func(t *testing.T) {
		b.text(`42["to","test","t",2]`)
		c.expect(t, `42["t",2]`)
		b.quiet(t)
		a.quiet(t)
	})
	t.Run("SUP-48 nsp.in includes sender", func(t *testing.T) {
		b.text(`42["in-all","test","t",3]`)
		b.expect(t, `42["t",3]`)
		c.expect(t, `42["t",3]`)
		a.quiet(t)
	})
	t.Run("SIO-MM-07 binary to room except sender", func(t *testing.T) {
		b.text(`451-["to","test","bin",{"_placeholder":true,"num":0}]`)
		b.bin(7, 7)
		c.expect(t, `451-["bin",{"_placeholder":true,"num":0}] + <0707>`)
		b.quiet(t)
	})
	t.Run("own-id room", func(t *testing.T) {
		if err := ts.Of("/").To(c.id).Emit("me"); err != nil {
			t.Fatal(err)
		}
		c.expect(t, `42["me"]`)
		a.quiet(t)
	})
	t.Run("SIO-NS-17 SIO-NS-18 SIO-NS-19 clients", func(t *testing.T) {
		ctx := context.Background()
		all, err := ts.Of("/").Clients(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{a.id, b.id, c.id, other.id}; !slices.Equal(all, want) {
			t.Fatalf("clients %v, want %v (first-join order)", all, want)
		}
		inTest, _ := ts.Of("/").In("test").Clients(ctx)
		if want := []string{b.id, c.id}; !slices.Equal(inTest, want) {
			t.Fatalf("clients in test %v", inTest)
		}
		both, _ := ts.Of("/").In("woot", "test").Clients(ctx)
		if want := []string{a.id, b.id, c.id}; !slices.Equal(both, want) {
			t.Fatalf("clients in woot+test %v", both)
		}
		testNsp, _ := ts.Of("/test").Clients(ctx)
		if want := []string{"/test#" + other.id}; !slices.Equal(testNsp, want) {
			t.Fatalf("/test clients %v", testNsp)
		}
	})
	t.Run("SIO-NS-20 SIO-NS-22 SIO-NS-23 SIO-SK-39 SIO-SK-40 flags", func(t *testing.T) {
		n := ts.Of("/test")
		_ = n.Emit("plain")
		if s := other.next(t); s.opts.Volatile || s.opts.NoCompress {
			t.Fatalf("plain emit opts %+v", s.opts)
		}
		_ = n.Compress(false).Emit("nc")
		if s := other.next(t); !s.opts.NoCompress {
			t.Fatalf("compress(false) opts %+v", s.opts)
		}
		// covers: SIO-NS-21 (a lone volatile emit on a writable transport arrives)
		_ = n.Volatile().Emit("lone")
		other.expect(t, `42/test,["lone"]`)
		other.setBlocked(true)
		_ = n.Volatile().Emit("dropped")
		_ = n.Emit("kept")
		other.setBlocked(false)
		other.expect(t, `42/test,["kept"]`)
	})
	t.Run("departed sockets get nothing", func(t *testing.T) {
		c.engineClose(ReasonTransportClose)
		c.sync(t)
		if err := ts.Of("/").In("test").Emit("bye"); err != nil {
			t.Fatal(err)
		}
		b.expect(t, `42["bye"]`)
		ids, _ := ts.Of("/").In("test").Clients(context.Background())
		if !slices.Equal(ids, []string{b.id}) {
			t.Fatalf("clients after c left: %v", ids)
		}
	})
}

func TestOperatorImmutable(t *testing.T) {
	// Flags and rooms never leak between emits, even concurrently.
	ts := newTestServer(t, nil)
	n := ts.Of("/")
	base := n.To("a")
	v := base.Volatile()
	r := base.To("b")
	if base.flags != 0 || len(base.rooms) != 1 || v.flags != flagVolatile || len(r.rooms) != 2 || len(v.rooms) != 1 {
		t.Fatalf("operators share state: base %+v v %+v r %+v", base, v, r)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op := base.To(fmt.Sprint(i)).Compress(i%2 == 0)
			if len(op.rooms) != 2 || op.rooms[1] != fmt.Sprint(i) {
				t.Errorf("room selection leaked: %v", op.rooms)
			}
			_ = op.Emit("x", i)
		}()
	}
	wg.Wait()
	if len(base.rooms) != 1 {
		t.Fatalf("base modified: %v", base.rooms)
	}
}

func TestDisconnect(t *testing.T) {
	type ev struct{ nsp, what, reason string }
	setup := func(t *testing.T) (*testServer, *fakeConn, map[string]*Socket, chan ev) {
		ts := newTestServer(t, nil)
		evs := make(chan ev, 20)
		socks := make(chan *Socket, 3)
		for _, name := range []string{"/", "/chat", "/news"} {
			ts.Of(name).OnConnection(func(s *Socket) {
				_ = s.Join("a")
				s.OnDisconnecting(func(s *Socket, r string) {
					evs <- ev{s.Namespace().Name(), "disconnecting:" + fmt.Sprint(s.Rooms()), r}
				})
				s.OnDisconnect(func(s *Socket, r string) {
					evs <- ev{s.Namespace().Name(), "disconnect:" + fmt.Sprint(s.Rooms()), r}
				})
				socks <- s
			})
		}
		f := ts.connect("")
		f.text("40/chat")
		f.expect(t, "40/chat")
		f.text("40/news")
		f.expect(t, "40/news")
		m := map[string]*Socket{}
		for range 3 {
			s := wait(t, socks)
			m[s.Namespace().Name()] = s
		}
		return ts, f, m, evs
	}
	collect := func(t *testing.T, evs chan ev, n int) []ev {
		var out []ev
		for range n {
			out = append(out, wait(t, evs))
		}
		return out
	}
	t.Run("SUP-41 SIO-NS-14 disconnect(false)", func(t *testing.T) {
		ts, f, m, evs := setup(t)
		m["/chat"].Disconnect(false)
		f.expect(t, "41/chat")
		got := collect(t, evs, 2)
		id := "/chat#" + f.id
		want := []ev{{"/chat", "disconnecting:[" + id + " a]", ReasonServerNamespaceDisconnect}, {"/chat", "disconnect:[]", ReasonServerNamespaceDisconnect}}
		if !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		if f.isClosed() || ts.Of("/chat").Len() != 0 || ts.Of("/").Len() != 1 {
			t.Fatal("wrong sockets closed")
		}
		m["/chat"].Disconnect(false) // no-op
		if err := m["/chat"].Emit("x"); err == nil {
			t.Fatal("emit on a disconnected socket succeeded")
		}
		f.quiet(t)
	})
	t.Run("SUP-41 SIO-NS-11 SIO-NS-12 disconnect(true)", func(t *testing.T) {
		_, f, m, evs := setup(t)
		m["/news"].Disconnect(true)
		f.expect(t, "41", "41/chat", "41/news")
		if !f.isClosed() {
			t.Fatal("engine session not closed")
		}
		got := collect(t, evs, 6)
		n := 0
		for _, e := range got {
			if e.reason != ReasonServerNamespaceDisconnect {
				t.Fatalf("reason %q", e.reason)
			}
			if e.what == "disconnect:[]" {
				n++
			}
		}
		if n != 3 {
			t.Fatalf("events %v", got)
		}
	})
	t.Run("SUP-42 client namespace disconnect", func(t *testing.T) {
		_, f, _, evs := setup(t)
		f.text("41/chat")
		got := collect(t, evs, 2)
		if got[1] != (ev{"/chat", "disconnect:[]", ReasonClientNamespaceDisconnect}) {
			t.Fatalf("events %v", got)
		}
		f.quiet(t)
		f.text("41")
		got = collect(t, evs, 2)
		if got[1].nsp != "/" || got[1].reason != ReasonClientNamespaceDisconnect || f.isClosed() {
			t.Fatalf("events %v", got)
		}
	})
	t.Run("engine reasons reach every socket", func(t *testing.T) {
		for _, reason := range []string{ReasonTransportClose, ReasonPingTimeout, ReasonTransportError, ReasonParseError} {
			_, f, _, evs := setup(t)
			f.engineClose(reason)
			got := collect(t, evs, 6)
			nsps := map[string]bool{}
			for _, e := range got {
				if e.reason != reason {
					t.Fatalf("reason %q, want %q", e.reason, reason)
				}
				nsps[e.nsp] = true
			}
			if len(nsps) != 3 {
				t.Fatalf("events %v", got)
			}
		}
	})
	t.Run("SUP-50 SIO-CL-01 server close reasons", func(t *testing.T) {
		ts, f, _, evs := setup(t)
		// The fake engine session is not owned by the engine server, so
		// it is closed below the way engineio does on shutdown.
		ctx := context.Background()
		done := make(chan error, 1)
		go func() { done <- ts.Close(ctx) }()
		// root first, with reason "" (1.7.3: undefined), no packet
		e := wait(t, evs)
		if e.nsp != "/" || e.reason != ReasonServerClose {
			t.Fatalf("first event %v", e)
		}
		f.engineClose(ReasonForcedClose)
		got := collect(t, evs, 5)
		reasons := map[string]string{}
		for _, e := range got {
			reasons[e.nsp] = e.reason
		}
		if reasons["/"] != ReasonServerClose || reasons["/chat"] != ReasonForcedClose || reasons["/news"] != ReasonForcedClose {
			t.Fatalf("reasons %v", reasons)
		}
		if err := wait(t, done); err != nil {
			t.Fatal(err)
		}
		f.quiet(t)
	})
}

func TestClientsSorted(t *testing.T) {
	// covers: SIO-NS-17 (ids are namespaced)
	ts := newTestServer(t, nil)
	ts.Of("/chat")
	var fs []*fakeConn
	for range 3 {
		f := ts.connect("")
		f.text("40/chat")
		f.expect(t, "40/chat")
		fs = append(fs, f)
	}
	ids, err := ts.Of("/chat").Clients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range fs {
		want = append(want, "/chat#"+f.id)
	}
	sort.Strings(want)
	got := slices.Clone(ids)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Fatalf("ids %v, want %v", ids, want)
	}
}

func TestConcurrentUse(t *testing.T) {
	// Many goroutines emit, broadcast, join/leave and disconnect at once
	// (run with -race).
	ts := newTestServer(t, nil)
	socks := make(chan *Socket, 8)
	ts.Of("/").OnConnection(func(s *Socket) { socks <- s })
	var fs []*fakeConn
	for range 8 {
		fs = append(fs, ts.connect(""))
	}
	var all []*Socket
	for range 8 {
		all = append(all, wait(t, socks))
	}
	var wg sync.WaitGroup
	for i, s := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				room := fmt.Sprint("r", j%3)
				_ = s.Join(room)
				_ = s.Emit("e", i, j)
				_ = s.To(room).Emit("b", i)
				_ = ts.Of("/").Volatile().Emit("all", j)
				_ = s.Leave(room)
				_, _ = ts.Of("/").In(room).Clients(context.Background())
				if i%4 == 0 && j == 25 {
					s.Disconnect(i%8 == 0)
				}
			}
		}()
	}
	for _, f := range fs[:2] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.engineClose(ReasonPingTimeout)
		}()
	}
	wg.Wait()
}
