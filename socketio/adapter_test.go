package socketio

import (
	"slices"
	"sync"
	"testing"

	parser "github.com/fastsio/fastsio/socketio-parser"
)

// clusterAdapter sketches how a socket.io-redis style adapter fits the
// Adapter interface: local state and delivery by the memory adapter,
// non-local broadcasts "published" first (here: recorded).
type clusterAdapter struct {
	Adapter // the memory adapter
	nsp     string

	mu        sync.Mutex
	published []published
}

type published struct {
	typ    parser.Type
	data   string
	nsp    string
	atts   int
	rooms  []string
	except []string
	flags  BroadcastFlags
}

func (a *clusterAdapter) Broadcast(p *parser.Packet, o *BroadcastOptions) error {
	if !o.Flags.Local {
		// socket.io-redis publishes [uid, {type, data, nsp}, opts]
		a.mu.Lock()
		a.published = append(a.published, published{p.Type, string(p.Data), a.nsp, len(p.Attachments), slices.Clone(o.Rooms), slices.Clone(o.Except), o.Flags})
		a.mu.Unlock()
	}
	return a.Adapter.Broadcast(p, o)
}

func TestClusterAdapterShape(t *testing.T) {
	// covers: SUP-59 (the broadcast carries what socket.io-redis publishes),
	// R§3.2 remote delivery through the local broadcast, R§3.3 local flag
	var adapters sync.Map
	ts := newTestServer(t, &Options{Adapter: func(n *Namespace) Adapter {
		a := &clusterAdapter{Adapter: NewMemoryAdapter(n), nsp: n.Name()}
		adapters.Store(n.Name(), a)
		return a
	}})
	roomApp(ts, "/")
	a := ts.connect("")
	b := ts.connect("")
	b.text(`421["join","room1"]`)
	b.expect(t, "431[true]")
	v, _ := adapters.Load("/")
	ca := v.(*clusterAdapter)

	a.text(`42["to","room1","ev",1]`)
	b.expect(t, `42["ev",1]`)
	if err := ts.Of("/").Local().Emit("local-only"); err != nil {
		t.Fatal(err)
	}
	a.expect(t, `42["local-only"]`)
	b.expect(t, `42["local-only"]`)
	if err := ts.Of("/").To("room1").Emit("bin", []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	b.expect(t, `451-["bin",{"_placeholder":true,"num":0}] + <010203>`)

	ca.mu.Lock()
	got := slices.Clone(ca.published)
	ca.mu.Unlock()
	want := []published{
		{parser.Event, `["ev",1]`, "/", 0, []string{"room1"}, []string{a.id}, BroadcastFlags{}},
		{parser.BinaryEvent, `["bin",{"_placeholder":true,"num":0}]`, "/", 1, []string{"room1"}, nil, BroadcastFlags{}},
	}
	if len(got) != len(want) {
		t.Fatalf("published %+v", got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.typ != w.typ || g.data != w.data || g.nsp != w.nsp || g.atts != w.atts || !slices.Equal(g.rooms, w.rooms) || !slices.Equal(g.except, w.except) || g.flags != w.flags {
			t.Fatalf("published[%d] = %+v, want %+v", i, g, w)
		}
	}

	// A message from another node is delivered with the local broadcast.
	remote := parser.Packet{Type: parser.Event, Data: []byte(`["from-node-2"]`)}
	if err := ca.Adapter.Broadcast(&remote, &BroadcastOptions{Rooms: []string{"room1"}}); err != nil {
		t.Fatal(err)
	}
	b.expect(t, `42["from-node-2"]`)
	a.quiet(t)
}
