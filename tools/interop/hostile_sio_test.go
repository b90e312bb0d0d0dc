package interop

// Hostile clients against the socket.io server (the contract testapp),
// over raw WebSocket frames. Every group runs its own server with a
// healthy socket.io client echoing next to the attacks (each reply must
// arrive, in order), then checks that Close finishes (10 s hang detector)
// and leaves no goroutines. The attacker's own session must keep working
// after every non-fatal packet; fatal ones (1.7.3's decoder throws) close
// its sockets with "client error" while the engine session stays open.

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fastsio/fastsio/engineio"
	"github.com/fastsio/fastsio/socketio"
)

const sioWS = "/socket.io/?EIO=3&transport=websocket"

// sioAttacker is a raw socket.io client on WebSocket connected to "/".
type sioAttacker struct {
	*rawWS
	n int
}

func dialSIOAttacker(t *testing.T, h *sioHostile) *sioAttacker {
	t.Helper()
	w := dialRawWS(t, h.host, sioWS)
	if s := w.readText(t); !strings.HasPrefix(s, "0{") {
		t.Fatalf("open %q", s)
	}
	if s := w.readText(t); s != "40" {
		t.Fatalf("connect %q", s)
	}
	return &sioAttacker{rawWS: w}
}

// send writes one socket.io packet as an engine.io message.
func (a *sioAttacker) send(t *testing.T, pkt string) {
	t.Helper()
	if err := a.text("4" + pkt); err != nil {
		t.Fatalf("send %.40q: %v", pkt, err)
	}
}

// echo proves the attacker's root socket still works: an echo event comes
// back; every other frame seen before it is returned.
func (a *sioAttacker) echo(t *testing.T) []string {
	t.Helper()
	a.n++
	want := `42["echo","alive",` + strconv.Itoa(a.n) + `]`
	a.send(t, want[1:])
	var other []string
	for {
		op, p, err := a.read()
		if err != nil || op == 8 {
			t.Fatalf("attacker session ended (op %d, %v) while waiting for %s; seen %d frames: %.300q", op, err, want, len(other), other)
		}
		if string(p) == want {
			return other
		}
		if string(p) != "3" {
			other = append(other, string(p))
		}
	}
}

// waitLen waits until namespace nsp has n sockets (deadline, not timing).
func waitLen(t *testing.T, h *sioHostile, nsp string, n int) {
	t.Helper()
	deadline := time.Now().Add(hostileIO)
	for h.srv.Of(nsp).Len() != n {
		if time.Now().After(deadline) {
			t.Fatalf("namespace %s has %d sockets, want %d", nsp, h.srv.Of(nsp).Len(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHostileSIOEvents sends malformed events and acks; none may harm the
// attacker's session, the healthy client or the server.
func TestHostileSIOEvents(t *testing.T) {
	h := startSIOHostile(t, nil)
	hc := startHealthySIO(t, h.host)
	defer hc.check(t)
	a := dialSIOAttacker(t, h)

	for _, c := range []struct {
		name string
		pkts []string
	}{
		// covers: SUP-46
		{"non-array-event-data", []string{`2{"a":1}`, `2"echo"`, `21`, `2null`, `2true`, `2`, `2/chat,{"x":1}`}},
		{"empty-array", []string{`2[]`, `21[]`}},
		{"event-name-not-a-string", []string{`2[1,2]`, `2[null]`, `2[{}]`, `2[["echo"]]`, `2[true,"x"]`, `27[1]`}},
		// covers: SUP-43
		{"invalid-json", []string{`2["echo",`, `2["echo"]]`, `2[echo]`, `2["echo",1e99999]`, `2["\ud800"]`, `2["echo","\u00"]`}},
		{"huge-ack-ids", []string{`299999999999999999999999999999["echo","x"]`, `218446744073709551616["echo","x"]`, `2-1["echo","x"]`}},
		// covers: SUP-45
		{"reserved-event-names", []string{`2["error","x"]`, `2["disconnect"]`, `2["connect"]`, `2["disconnecting"]`, `2["newListener","echo"]`, `2["removeListener","echo"]`, `23["disconnect"]`}},
		// covers: SUP-37
		{"acks-for-unknown-ids", []string{`3999["x"]`, `3["x"]`, `3`, `318446744073709551615[]`, `30`, `3/chat,5[1]`, `61-0[{"_placeholder":true,"num":0}]`}},
		{"unknown-packet-types", []string{`7`, `9["echo"]`, `x`, `-1`}},
		{"client-error-packets", []string{`4"boom"`, `4{"message":"x"}`, `4`, `4/chat,"boom"`, `4/nope,"boom"`}},
		// covers: SUP-42
		{"disconnect-of-namespace-not-connected", []string{`1/chat`, `1/nope`, `1/chat,`, `1/auth`}},
		// (Only handlers whose output stays with the sender: fanout with
		// n > 0, all and broadcast legitimately reach the healthy client,
		// and a truthy disconnect-me closes the attacker's connection.)
		{"contract-events-with-bad-args", []string{`2["join"]`, `2["join",{"a":1}]`, `2["to",null,null]`, `2["fanout","x","y","z"]`, `2["fanout",-1,"e","p"]`, `2["ask"]`, `2["clients",{"x":[]}]`, `2["rooms"]`, `2["handshake",1,2,3]`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.pkts {
				a.send(t, p)
			}
			for _, f := range a.echo(t) {
				if strings.HasPrefix(f, "41") {
					t.Errorf("attack disconnected the root socket: %q", f)
				}
			}
		})
	}

	t.Run("huge-ack-id-answered-or-dropped", func(t *testing.T) {
		// The largest uint64 id: the ack reply (if any) names it.
		a.send(t, `218446744073709551615["echo","big"]`)
		for _, f := range a.echo(t) {
			if strings.HasPrefix(f, "43") && f != `4318446744073709551615["big"]` {
				t.Errorf("ack reply %q", f)
			}
		}
	})

	t.Run("duplicate-acks", func(t *testing.T) {
		// covers: SUP-37
		// "ask": the server emits "q" with an ack; answering it twice
		// must resolve it once.
		a.send(t, `20["ask","q",1]`)
		var id string
		for id == "" {
			_, p, err := a.read()
			if err != nil {
				t.Fatal(err)
			}
			if s := string(p); strings.HasPrefix(s, "42") && strings.HasSuffix(s, `["q",1]`) {
				id = strings.TrimSuffix(strings.TrimPrefix(s, "42"), `["q",1]`)
			}
		}
		if id == "" {
			t.Fatal("server ack request without id")
		}
		a.send(t, "3"+id+`["r1"]`)
		a.send(t, "3"+id+`["r2"]`)
		a.send(t, "3"+id+`["r3"]`)
		other := a.echo(t)
		n := 0
		for _, f := range other {
			if strings.HasPrefix(f, "430[") {
				n++
				if f != `430["r1"]` {
					t.Errorf("ack answer %q, want the first answer", f)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d answers to the client's ack 0 (%q), want 1", n, other)
		}
	})

	t.Run("nesting-bomb", func(t *testing.T) {
		for _, depth := range []int{100, 2000, 100000} {
			deep := strings.Repeat("[", depth) + strings.Repeat("]", depth)
			a.send(t, `2["echo",`+deep+`]`)
			obj := strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
			a.send(t, `2["echo",`+obj+`]`)
		}
		// Just under the parser's depth limit (1000 levels including the
		// event array): must round-trip exactly.
		edge := strings.Repeat("[", 998) + strings.Repeat("]", 998)
		a.send(t, `2["echo",`+edge+`]`)
		other := a.echo(t)
		got, gotEdge := 0, false
		for _, f := range other {
			if strings.HasPrefix(f, `42["echo",`) {
				got++
			}
			if f == `42["echo",`+edge+`]` {
				gotEdge = true
			}
		}
		if got < 2 {
			// depth 100 is ordinary JSON and must round-trip
			t.Errorf("depth-100 echoes: %d, want 2", got)
		}
		if !gotEdge {
			t.Errorf("depth-999 echo missing")
		}
	})

	t.Run("many-events-in-one-frame-burst", func(t *testing.T) {
		for i := 0; i < 3000; i++ {
			a.send(t, `2["volatile","v",`+strconv.Itoa(i)+`]`)
		}
		a.echo(t)
	})

	if h.srv.Of("/").Len() != 2 {
		t.Errorf("root namespace has %d sockets, want 2 (healthy + attacker)", h.srv.Of("/").Len())
	}
}

// TestHostileSIONamespaces connects to weird namespaces.
func TestHostileSIONamespaces(t *testing.T) {
	h := startSIOHostile(t, nil)
	hc := startHealthySIO(t, h.host)
	defer hc.check(t)
	a := dialSIOAttacker(t, h)
	long := "/" + strings.Repeat("n", 10000)
	for _, c := range []struct {
		name, nsp string
		want      string // a reply that must be among the frames, "" = none required
	}{
		// covers: SUP-33
		{"unknown", "/nope", `44/nope,"Invalid namespace"`},
		{"double-slash", "//", `44//,"Invalid namespace"`},
		{"very-long", long, `44` + long + `,"Invalid namespace"`},
		// Over the parser's MaxNamespaceLen (16384): dropped as ErrParse.
		{"over-namespace-limit", "/" + strings.Repeat("n", 100000), ""},
		{"with-query", "/chat?x=1&y=%zz", `40/chat`},
		{"with-commas", "/ch,at", ""},
		{"query-with-comma", "/chat?a=1,2", ""},
		{"nul-byte", "/\x00", ""},
		{"auth-without-token", "/auth", `44/auth,"not authorized"`},
		{"auth-with-token", "/auth?token=secret", `40/auth`},
		{"fragment", "/chat#frag", ""},
		{"no-leading-slash", "chat", ""},
		{"root-again", "/", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.nsp == "/" {
				a.send(t, "0")
			} else {
				a.send(t, "0"+c.nsp)
			}
			other := a.echo(t)
			if c.want == "" {
				return
			}
			for _, f := range other {
				if f == c.want {
					return
				}
			}
			t.Errorf("no %.60q among the replies %.300q", c.want, other)
		})
	}
	// Events on a namespace the attacker joined with a query still work.
	a.send(t, `2/chat,["echo","in-chat"]`)
	for _, f := range a.echo(t) {
		if f == `42/chat,["echo","in-chat"]` {
			return
		}
	}
	t.Error("no echo on /chat after the namespace games")
}

// TestHostileSIOBinary plays games with binary packets and attachments.
// 1.7.3's decoder throws on an attachment without a header and on text
// while it waits for attachments: the client's sockets close with
// "client error"; the server and other clients are unaffected.
// covers: SUP-44, SUP-55
func TestHostileSIOBinary(t *testing.T) {
	h := startSIOHostile(t, nil)
	hc := startHealthySIO(t, h.host)
	defer hc.check(t)

	fatal := []struct {
		name string
		send func(a *sioAttacker) error
	}{
		{"attachment-without-header", func(a *sioAttacker) error { return a.frame(true, 2, []byte{4, 1, 2, 3}) }},
		{"lying-count-extra-attachment", func(a *sioAttacker) error {
			if err := a.text(`451-["echo",{"_placeholder":true,"num":0}]`); err != nil {
				return err
			}
			if err := a.frame(true, 2, []byte{4, 1}); err != nil {
				return err
			}
			return a.frame(true, 2, []byte{4, 2}) // the count said one
		}},
		{"attachment-count-over-limit", func(a *sioAttacker) error {
			return a.text(`4599999999999-["echo",{"_placeholder":true,"num":0}]`)
		}},
	}
	for _, c := range fatal {
		t.Run(c.name, func(t *testing.T) {
			a := dialSIOAttacker(t, h)
			waitLen(t, h, "/", 2)
			if err := c.send(a); err != nil {
				t.Fatal(err)
			}
			// The attacker's root socket goes away ("client error").
			waitLen(t, h, "/", 1)
			resetConn(a.c)
		})
	}

	t.Run("text-between-header-and-attachments", func(t *testing.T) {
		// socket.io-parser 2.3.1 decodes a text packet that arrives while
		// it waits for attachments and keeps waiting: the event is
		// handled, then the attachment completes the binary packet.
		a := dialSIOAttacker(t, h)
		if err := a.text(`451-["echo",{"_placeholder":true,"num":0}]`); err != nil {
			t.Fatal(err)
		}
		a.send(t, `2["echo","between"]`)
		if s := a.readText(t); s != `42["echo","between"]` {
			t.Fatalf("got %q", s)
		}
		if err := a.frame(true, 2, []byte{4, 7, 8}); err != nil {
			t.Fatal(err)
		}
		if s := a.readText(t); s != `451-["echo",{"_placeholder":true,"num":0}]` {
			t.Fatalf("got %q", s)
		}
		if op, p, err := a.read(); err != nil || op != 2 || !bytes.Equal(p, []byte{4, 7, 8}) {
			t.Fatalf("attachment: op %d %v %v", op, p, err)
		}
		a.echo(t)
		resetConn(a.c)
		waitLen(t, h, "/", 1)
	})

	lenient := []struct {
		name string
		send func(a *sioAttacker) error
	}{
		{"placeholder-index-out-of-range", func(a *sioAttacker) error {
			if err := a.text(`451-["echo",{"_placeholder":true,"num":7}]`); err != nil {
				return err
			}
			return a.frame(true, 2, []byte{4, 1})
		}},
		{"placeholder-without-attachments", func(a *sioAttacker) error {
			return a.text(`42["echo",{"_placeholder":true,"num":0}]`)
		}},
		{"lying-count-fewer-placeholders", func(a *sioAttacker) error {
			if err := a.text(`452-["echo",{"_placeholder":true,"num":0}]`); err != nil {
				return err
			}
			if err := a.frame(true, 2, []byte{4, 1}); err != nil {
				return err
			}
			return a.frame(true, 2, []byte{4, 2})
		}},
		{"binary-event-zero-attachments", func(a *sioAttacker) error { return a.text(`450-["echo","x"]`) }},
		{"binary-ack-unknown-id", func(a *sioAttacker) error {
			if err := a.text(`461-77[{"_placeholder":true,"num":0}]`); err != nil {
				return err
			}
			return a.frame(true, 2, []byte{4, 9})
		}},
		{"placeholder-num-not-a-number", func(a *sioAttacker) error {
			if err := a.text(`451-["echo",{"_placeholder":true,"num":"0"}]`); err != nil {
				return err
			}
			return a.frame(true, 2, []byte{4, 1})
		}},
		{"nesting-bomb-around-placeholder", func(a *sioAttacker) error {
			deep := strings.Repeat("[", 50000) + `{"_placeholder":true,"num":0}` + strings.Repeat("]", 50000)
			if err := a.text(`451-["echo",` + deep + `]`); err != nil {
				return err
			}
			return a.frame(true, 2, []byte{4, 1})
		}},
		{"placeholder-as-object-key-and-nested", func(a *sioAttacker) error {
			if err := a.text(`451-["echo",{"_placeholder":{"_placeholder":true,"num":0},"num":{"num":0}}]`); err != nil {
				return err
			}
			return a.frame(true, 2, []byte{4, 1})
		}},
		{"b4-attachment-base64", func(a *sioAttacker) error {
			if err := a.text(`451-["echo",{"_placeholder":true,"num":0}]`); err != nil {
				return err
			}
			return a.text("b4AQID")
		}},
	}
	for _, c := range lenient {
		t.Run(c.name, func(t *testing.T) {
			a := dialSIOAttacker(t, h)
			if err := c.send(a); err != nil {
				t.Fatal(err)
			}
			// Either the packet was used or dropped, or the decoder
			// judged it fatal; the server must not crash, and the
			// attacker's session either works or lost its root socket.
			a.n++
			want := `42["echo","alive",` + strconv.Itoa(a.n) + `]`
			a.send(t, want[1:])
			deadline := time.Now().Add(hostileIO)
			for time.Now().Before(deadline) {
				if h.srv.Of("/").Len() == 1 {
					t.Logf("decoder judged it fatal: client error")
					break
				}
				_ = a.c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
				p, err := readFrameNoFatal(a.rawWS)
				if err == nil && p == want {
					break
				}
			}
			resetConn(a.c)
			waitLen(t, h, "/", 1)
		})
	}
}

// readFrameNoFatal reads one frame payload, returning an error on timeout.
func readFrameNoFatal(w *rawWS) (string, error) {
	var h [2]byte
	if _, err := w.br.Read(h[:1]); err != nil {
		return "", err
	}
	if _, err := w.br.Read(h[1:]); err != nil {
		return "", err
	}
	_ = w.c.SetReadDeadline(time.Now().Add(hostileIO))
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var e [2]byte
		if _, err := readFull(w, e[:]); err != nil {
			return "", err
		}
		n = int(e[0])<<8 | int(e[1])
	case 127:
		var e [8]byte
		if _, err := readFull(w, e[:]); err != nil {
			return "", err
		}
		n = 0
		for _, b := range e {
			n = n<<8 | int(b)
		}
	}
	p := make([]byte, n)
	if _, err := readFull(w, p); err != nil {
		return "", err
	}
	return string(p), nil
}

func readFull(w *rawWS, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := w.br.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// TestHostileSIOPolling sends a burst of bad packets in one POST payload
// and a flood of events, on the polling transport.
func TestHostileSIOPolling(t *testing.T) {
	h := startSIOHostile(t, &socketio.Options{MaxPendingPackets: 16})
	hc := startHealthySIO(t, h.host)
	defer hc.check(t)
	_, q := pollHandshake(t, h.host, "/socket.io/")
	// The handshake payload carried "40"? Fetch it.
	resp, pkts := pollGet(t, h.host, q)
	if resp.status != 200 {
		t.Fatalf("GET %+v", resp)
	}
	_ = pkts
	var body bytes.Buffer
	add := func(m string) { body.WriteString(strconv.Itoa(len([]rune(m))) + ":" + m) }
	for _, p := range []string{`42{"a":1}`, `42[]`, `42[1]`, `43999["x"]`, `41/nope`, `44"boom"`, `42["disconnect"]`, `40//`} {
		add(p)
	}
	for i := 0; i < 2000; i++ { // far beyond MaxPendingPackets: backpressure, no loss
		add(`42["echo",` + strconv.Itoa(i) + `]`)
	}
	if resp, dropped := pollPost(t, h.host, q, "text/plain;charset=UTF-8", body.Bytes()); dropped || resp.status != 200 {
		t.Fatalf("POST %+v dropped=%v", resp, dropped)
	}
	next := 0
	for next < 2000 {
		resp, pkts := pollGet(t, h.host, q)
		if resp.status != 200 {
			t.Fatalf("GET %d %q after %d echoes", resp.status, resp.body, next)
		}
		for _, p := range pkts {
			if !strings.HasPrefix(p, `42["echo",`) {
				continue
			}
			if want := `42["echo",` + strconv.Itoa(next) + `]`; p != want {
				t.Fatalf("echo %q, want %q", p, want)
			}
			next++
		}
	}
}

// TestHostileSIOSlowAndVanished: clients that stop reading, vanish in the
// middle of a binary packet, or churn namespaces.
func TestHostileSIOSlowAndVanished(t *testing.T) {
	h := startSIOHostile(t, &socketio.Options{MaxPendingPackets: 8, Engine: engineio.Options{MaxSendQueue: 1 << 20, PingInterval: 200 * time.Millisecond, PingTimeout: 300 * time.Millisecond}})
	hc := startHealthySIO(t, h.host)
	defer hc.check(t)
	// (The healthy client's continuous echoes count as heartbeat activity.)

	t.Run("non-reading-client-echo-flood", func(t *testing.T) {
		// The attacker's own echoes are written by its client worker; the
		// worker blocks on the full connection, the reader on the full
		// job queue. The session must still end (heartbeat, 500 ms here)
		// and free both, without harming the healthy client.
		a := dialSIOAttacker(t, h)
		_ = a.c.(*net.TCPConn).SetReadBuffer(4096)
		waitLen(t, h, "/", 2)
		big := `2["echo","` + strings.Repeat("x", 64<<10) + `"]`
		for i := 0; i < 2000 && h.srv.Of("/").Len() == 2; i++ {
			if err := a.text("4" + big); err != nil {
				break // the server closed the connection
			}
		}
		waitLen(t, h, "/", 1)
	})

	t.Run("vanish-mid-binary-packet", func(t *testing.T) {
		a := dialSIOAttacker(t, h)
		waitLen(t, h, "/", 2)
		if err := a.text(`453-["echo",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]`); err != nil {
			t.Fatal(err)
		}
		if err := a.frame(true, 2, []byte{4, 1}); err != nil {
			t.Fatal(err)
		}
		resetConn(a.c)
		waitLen(t, h, "/", 1)
	})

	t.Run("connect-churn", func(t *testing.T) {
		// Every duplicate CONNECT replaces the namespace's socket.
		a := dialSIOAttacker(t, h)
		for i := 0; i < 500; i++ {
			a.send(t, "0/chat")
			a.send(t, "1/chat")
			a.send(t, "0/auth?token=secret")
		}
		a.echo(t)
		waitLen(t, h, "/auth", 1)
		resetConn(a.c)
		waitLen(t, h, "/", 1)
		waitLen(t, h, "/chat", 0)
		waitLen(t, h, "/auth", 0)
	})

	t.Run("unanswered-server-acks", func(t *testing.T) {
		a := dialSIOAttacker(t, h)
		for i := 0; i < 500; i++ {
			a.send(t, `2["ask","q",`+strconv.Itoa(i)+`]`)
		}
		a.echo(t)
		resetConn(a.c)
		waitLen(t, h, "/", 1)
	})

	t.Run("disconnect-while-middleware-runs", func(t *testing.T) {
		a := dialSIOAttacker(t, h)
		a.send(t, "0/auth?token=secret")
		a.send(t, "1/auth")
		a.send(t, `2/auth,["whoami"]`)
		a.echo(t)
		resetConn(a.c)
		waitLen(t, h, "/", 1)
		waitLen(t, h, "/auth", 0)
	})
}

// TestHostileSIOSlowloris: socket.io's Serve runs its own fasthttp.Server
// (prepared by engineio.ConfigureServer); a client that never finishes a
// request must not keep Close from returning, nor leave goroutines.
func TestHostileSIOSlowloris(t *testing.T) {
	// fasthttp's ShutdownWithContext alone would wait for the slow request
	// until Close's context ends and leave its goroutine behind;
	// socketio.Server.Close cuts such connections after a grace period.
	for _, c := range []struct{ name, req string }{
		{"headers-never-finish", "GET /socket.io/?EIO=3&transport=polling HTTP/1.1\r\nHost: x\r\nX-Slow: "},
		{"chunked-body-never-finishes", "POST /socket.io/?EIO=3&transport=polling&sid=x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n10:4abc"},
		{"other-route-headers-never-finish", "GET /elsewhere HTTP/1.1\r\nHost: x\r\nX-Slow: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := startSIOHostile(t, nil)
			hc := startHealthySIO(t, h.host)
			conn, err := net.Dial("tcp", h.host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write([]byte(c.req)); err != nil {
				t.Fatal(err)
			}
			hc.check(t)
			h.Close(t) // with the slow client still connected
		})
	}
}

// TestHostileSIOCloseUnderLoad closes the socket.io server while clients
// keep connecting, joining namespaces, emitting with acks and vanishing.
func TestHostileSIOCloseUnderLoad(t *testing.T) {
	h := startSIOHostile(t, nil)
	stop := make(chan struct{})
	started := make(chan struct{}, 1000)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := net.DialTimeout("tcp", h.host, hostileIO)
				if err != nil {
					continue
				}
				_ = c.SetDeadline(time.Now().Add(hostileIO))
				fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", sioWS)
				w := &rawWS{c: c, br: bufio.NewReader(c)}
				if r, err := http.ReadResponse(w.br, nil); err == nil && r.StatusCode == 101 {
					for _, p := range []string{`40/chat`, `42["echo","x"]`, `421["echo",{"a":[1,2]}]`, `42/chat,["join","r"]`, `42["ask","q",1]`, `451-["echo",{"_placeholder":true,"num":0}]`} {
						_ = w.text("4" + p)
					}
					_ = w.frame(true, 2, []byte{4, 1, 2})
					if _, _, err := w.read(); err == nil {
						select {
						case started <- struct{}{}:
						default:
						}
					}
				}
				resetConn(c)
			}
		}()
	}
	for n := 0; n < 30; n++ {
		select {
		case <-started:
		case <-time.After(hostileIO):
			t.Fatal("no traffic")
		}
	}
	h.Close(t)
	close(stop)
	wg.Wait()
}
