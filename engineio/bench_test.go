package engineio

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"
)

// benchServer starts a standalone echo-less server for benchmarks.
func benchServer(b *testing.B, opts *Options, onConn func(*Socket)) (*Server, string) {
	b.Helper()
	srv, err := NewServer(opts)
	if err != nil {
		b.Fatal(err)
	}
	srv.OnConnection(onConn)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			b.Errorf("Close: %v", err)
		}
		<-done
	})
	return srv, ln.Addr().String()
}

const clientModeEnv = "FASTSIO_EIO_BENCH_CLIENTS"

// benchClients is the child-process side of BenchmarkIdleWebSocket: it
// opens n WebSocket sessions to addr, prints "ready", and holds them until
// its stdin closes. Running the clients in another process keeps their
// memory out of the server's figures.
func benchClients(spec string) {
	addr, ns, _ := strings.Cut(spec, ",")
	n, _ := strconv.Atoi(ns)
	conns := make([]net.Conn, 0, n)
	req := "GET /engine.io/?EIO=3&transport=websocket HTTP/1.1\r\nHost: " + addr +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	buf := make([]byte, 4096)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		if _, err := io.WriteString(c, req); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		// 101 response and the open frame; both arrive quickly, one read
		// loop until the open packet's closing brace is seen.
		got := 0
		for !bytes.Contains(buf[:got], []byte("}")) {
			m, err := c.Read(buf[got:])
			if err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
			got += m
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
	os.Exit(0)
}

func init() {
	if spec := os.Getenv(clientModeEnv); spec != "" {
		benchClients(spec)
	}
}

func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// BenchmarkIdleWebSocket opens n idle WebSocket sessions from a child
// process and reports the server's memory per connection: Go heap+stacks
// and RSS deltas, and goroutines per connection. "serve" uses Serve (the
// package's own fasthttp.Server, which lets fasthttp recycle the request
// context of a hijacked connection); "mounted" uses Handler on a plain
// fasthttp.Server, where fasthttp's hijack goroutine (holding its request
// context and read buffer) is the reader.
func BenchmarkIdleWebSocket(b *testing.B) {
	const n = 2000
	for _, mode := range []string{"serve", "mounted"} {
		b.Run(mode+"/"+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				var srv *Server
				var addr string
				if mode == "serve" {
					srv, addr = benchServer(b, nil, func(*Socket) {})
				} else {
					srv, addr = benchMounted(b)
				}
				heap0, rss0, g0 := heapInUse(), rss(), runtime.NumGoroutine()
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), clientModeEnv+"="+addr+","+strconv.Itoa(n))
				stdin, _ := cmd.StdinPipe()
				stdout, _ := cmd.StdoutPipe()
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				line, _ := bufio.NewReader(stdout).ReadString('\n')
				if strings.TrimSpace(line) != "ready" {
					b.Fatalf("clients: %q", line)
				}
				deadline := time.Now().Add(time.Minute)
				for srv.ClientsCount() < n && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				time.Sleep(200 * time.Millisecond) // let flushers of the open packets end
				heap1, rss1, g1 := heapInUse(), rss(), runtime.NumGoroutine()
				b.ReportMetric(float64(int64(heap1)-int64(heap0))/n, "heap-B/conn")
				b.ReportMetric(float64(int64(rss1)-int64(rss0))/n, "rss-B/conn")
				b.ReportMetric(float64(g1-g0)/n, "goroutines/conn")
				stdin.Close()
				_ = cmd.Wait()
			}
		})
	}
}

func benchMounted(b *testing.B) (*Server, string) {
	b.Helper()
	srv, err := NewServer(nil)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	fs := &fasthttp.Server{Handler: srv.Handler}
	done := make(chan error, 1)
	go func() { done <- fs.Serve(ln) }()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		_ = fs.ShutdownWithContext(ctx)
		<-done
	})
	return srv, ln.Addr().String()
}

// BenchmarkPollingRoundTrip: one POST of a message and one GET of its echo
// per op, over keep-alive connections (b64 string payloads).
func BenchmarkPollingRoundTrip(b *testing.B) {
	_, addr := benchServer(b, nil, func(s *Socket) {
		s.OnMessage(func(d []byte, bin bool) {
			_ = s.Send([]Message{{Data: bytes.Clone(d), Binary: bin}}, SendOptions{})
		})
	})
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	base := "http://" + addr + "/engine.io/?EIO=3&transport=polling&b64=1"
	res, err := client.Get(base)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	i := bytes.Index(body, []byte(`"sid":"`))
	sid := string(body[i+7 : i+27])
	u := base + "&sid=" + sid
	payload := []byte("12:4hello world")
	b.ReportAllocs()
	for b.Loop() {
		res, err := client.Post(u, "text/plain;charset=UTF-8", bytes.NewReader(payload))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		res, err = client.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !bytes.Equal(got, payload) {
			b.Fatalf("echo %q", got)
		}
	}
}

// BenchmarkWebSocketSend measures server-to-client throughput: b.N
// 64-byte messages sent from 4 goroutines to one WebSocket session.
func BenchmarkWebSocketSend(b *testing.B) {
	socks := make(chan *Socket, 1)
	_, addr := benchServer(b, nil, func(s *Socket) { socks <- s })
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/engine.io/?EIO=3&transport=websocket", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.ReadMessage(); err != nil { // open
		b.Fatal(err)
	}
	s := <-socks
	msg := []Message{{Data: bytes.Repeat([]byte("x"), 64)}}
	b.SetBytes(65)
	b.ReportAllocs()
	b.ResetTimer()
	n := b.N
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += 4 {
				for s.Send(msg, SendOptions{}) != nil {
					runtime.Gosched()
				}
			}
		}()
	}
	for range n {
		if _, _, err := c.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
}

// BenchmarkWebSocketEcho measures one message round trip through OnMessage
// and Send.
func BenchmarkWebSocketEcho(b *testing.B) {
	_, addr := benchServer(b, nil, func(s *Socket) {
		s.OnMessage(func(d []byte, bin bool) {
			_ = s.Send([]Message{{Data: bytes.Clone(d), Binary: bin}}, SendOptions{})
		})
	})
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/engine.io/?EIO=3&transport=websocket", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.ReadMessage(); err != nil {
		b.Fatal(err)
	}
	msg := []byte("4hello world")
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendQueue measures Send itself on a session whose transport is
// not writable (a polling session without a parked GET): the broadcast hot
// path, no I/O.
func BenchmarkSendQueue(b *testing.B) {
	srv, err := NewServer(nil)
	if err != nil {
		b.Fatal(err)
	}
	s := newSocket(srv, "x", &Request{})
	s.poll = &pollTransport{}
	msg := []Message{{Data: []byte("42[\"event\",\"data\"]")}}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Send(msg, SendOptions{})
		s.mu.Lock()
		q := s.takeQueueLocked()
		s.mu.Unlock()
		s.recycle(q)
	}
}
