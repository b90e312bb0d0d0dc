package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/fastsio/fastsio/engineio"
	parser "github.com/fastsio/fastsio/socketio-parser"
)

// benchConn is an engine session that discards what it is sent, optionally
// answering server acks at once.
type benchConn struct {
	id    string
	c     *client
	sent  atomic.Int64
	onMsg func(b *benchConn, data []byte)
}

func (b *benchConn) ID() string        { return b.id }
func (b *benchConn) Transport() string { return "websocket" }
func (b *benchConn) Close()            { b.c.onClose(ReasonForcedClose) }
func (b *benchConn) Send(msgs []engineio.Message, _ engineio.SendOptions) error {
	b.sent.Add(1)
	if b.onMsg != nil {
		b.onMsg(b, msgs[0].Data)
	}
	return nil
}

func benchServer(b *testing.B) *Server {
	s, err := NewServer(nil)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchClients connects n sessions to "/" and waits until all are in.
func benchClients(b *testing.B, s *Server, n int) []*benchConn {
	conns := make([]*benchConn, n)
	for i := range conns {
		bc := &benchConn{id: "b" + strconv.Itoa(i)}
		bc.c = newClient(s, bc, nil)
		bc.c.start()
		conns[i] = bc
	}
	for _, bc := range conns {
		for bc.sent.Load() == 0 { // wait for "40"
			bc.c.srv.workers.wait(context.Background())
		}
	}
	b.Cleanup(func() {
		for _, bc := range conns {
			bc.c.onClose(ReasonTransportClose)
		}
		_ = s.Close(context.Background())
	})
	return conns
}

// BenchmarkEventDispatch measures decode + queue + handler for one client
// event with an ack reply.
func BenchmarkEventDispatch(b *testing.B) {
	s := benchServer(b)
	var handled atomic.Int64
	s.Of("/").On("echo", func(so *Socket, args Args, ack AckFunc) {
		_ = ack(json.RawMessage(args.Raw(0)))
		handled.Add(1)
	})
	bc := benchClients(b, s, 1)[0]
	msg := []byte(`21["echo",{"a":1,"b":"text"}]`)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		bc.c.onMessage(msg, false)
	}
	for handled.Load() < int64(b.N) {
		s.workers.wait(context.Background())
	}
}

// BenchmarkAckRoundTrip measures EmitWithAck with the client answering
// immediately.
func BenchmarkAckRoundTrip(b *testing.B) {
	s := benchServer(b)
	bc := benchClients(b, s, 1)[0]
	bc.onMsg = func(bc *benchConn, data []byte) {
		// data is `2<id>["q",1]`: answer `3<id>[1]`
		i := 1
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		ans := append([]byte("3"), data[1:i]...)
		ans = append(ans, "[1]"...)
		bc.c.onMessage(ans, false)
	}
	so := s.Of("/").Socket(bc.id)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := so.EmitWithAck(ctx, "q", 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBroadcastRoom broadcasts one event to every member of a room:
// one encoding per broadcast, no allocation per recipient.
func BenchmarkBroadcastRoom(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			s := benchServer(b)
			conns := benchClients(b, s, n)
			nsp := s.Of("/")
			for _, bc := range conns {
				if err := nsp.Socket(bc.id).Join("room"); err != nil {
					b.Fatal(err)
				}
			}
			op := nsp.To("room")
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := op.Emit("tick", 42, "payload"); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/recipient")
		})
	}
}

// BenchmarkValues measures re-encodable argument extraction (echo/relay).
func BenchmarkValues(b *testing.B) {
	p := parser.Packet{Type: parser.Event, Data: []byte(`["echo","hello world",{"n":1,"list":[1,2,3],"s":"x"},42]`)}
	_, args, err := p.EventArgs()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for range b.N {
		if _, err := Values(args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIdleClientMemory connects b.N idle clients to "/" and "/chat"
// and reports the socket.io layer's heap per client (engine.io session
// excluded) and goroutines per client.
func BenchmarkIdleClientMemory(b *testing.B) {
	s := benchServer(b)
	s.Of("/chat")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	b.ResetTimer()
	conns := benchClients(b, s, b.N)
	for _, bc := range conns {
		bc.c.onMessage([]byte("0/chat"), false)
	}
	for _, bc := range conns {
		for bc.sent.Load() < 2 {
			s.workers.wait(context.Background())
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heapB/client")
	b.ReportMetric(float64(runtime.NumGoroutine()-g0)/float64(b.N), "goroutines/client")
	runtime.KeepAlive(conns)
}
