package socketio

import (
	"testing"
	"time"
)

// A socket without a CONNECT query builds its handshake on first use; it
// must equal what an eager copy gave and stay the same value.
func TestHandshakeOnDemand(t *testing.T) {
	// covers: SIO-SET-09, SUP-47
	ts := newTestServer(t, nil)
	got := make(chan *Socket, 1)
	var connected time.Time // after the socket was created
	ts.Of("/").OnConnection(func(s *Socket) { connected = time.Now(); got <- s })
	before := time.Now()
	f := ts.connect("/socket.io/?EIO=3&transport=polling&a=1&a=2&b")
	s := wait(t, got)
	time.Sleep(10 * time.Millisecond) // Time is the socket's creation, not the first call
	hs := s.Handshake()
	if hs != s.Handshake() {
		t.Fatal("Handshake returns a new value on each call")
	}
	q, _ := hs.Query.MarshalJSON()
	if want := `{"EIO":"3","transport":"polling","a":["1","2"],"b":""}`; string(q) != want {
		t.Fatalf("query %s, want %s", q, want)
	}
	if hs.Header.Get("User-Agent") != "test" || hs.Address != "::ffff:127.0.0.1" || hs.URL != "/socket.io/?EIO=3&transport=polling&a=1&a=2&b" {
		t.Fatalf("handshake %+v", hs)
	}
	if hs.Time.Before(before) || hs.Time.After(connected) {
		t.Fatalf("time %v not the creation time (connect at %v, connected at %v)", hs.Time, before, connected)
	}
	_ = f
}
