// Command bareecho is the benchmark ceiling: a bare fasthttp + fasthttp/websocket
// server with no socket.io or engine.io machinery, speaking just enough of
// the wire for the load generator's websocket scenarios (connect, echo,
// fanout, churn) to run unchanged against it.
//
// What it does, exactly (websocket only, text frames only):
//
//   - Accepts an upgrade on any URL under /socket.io/ (query ignored: no
//     transport, EIO or sid check) and writes two text frames:
//     `0{"sid":"<counter>","upgrades":[],"pingInterval":25000,"pingTimeout":60000}`
//     (PING_INTERVAL / PING_TIMEOUT env vars change the numbers) and `40`.
//   - `2<anything>` (ping) -> `3`.
//   - `40/<nsp>` -> `40/<nsp>` and the socket joins that namespace's set
//     (every socket is in "/" from the start); `41/<nsp>` leaves it.
//   - `42[<nsp>,][<id>]["echo",args...]` -> with id: `43[<nsp>,]<id>[args...]`
//     (the argument bytes are copied, not re-encoded); without id the
//     packet is sent back as is.
//   - `42[<nsp>,]["fanout",n,"ev",payload]` -> `42[<nsp>,]["ev",payload]`
//     encoded once, then written n times to every socket of the namespace,
//     naively: one websocket write (one syscall) per socket per message, from
//     the emitting socket's goroutine, each under that socket's write lock.
//   - `42[<nsp>,]<id>["stats"]` -> `43[<nsp>,]<id>[{"sockets":N,"rss":R,"heap":H}]`
//     (N = sockets in the namespace, R = process RSS from /proc/self/statm,
//     H = Go HeapInuse).
//   - everything else is ignored.
//
// What it does not do: XHR polling (the handshake answers 400), binary
// frames, acks from clients, rooms, middleware, namespaces' own handlers,
// engine.io ping timeouts (a dead peer is noticed only by TCP), send
// buffering or batching, permessage-deflate, the io cookie, JSON validation.
// It is a measuring stick, not a server.
//
// It follows the contract's process rules: listens on 127.0.0.1:$PORT
// (PORT=0 or unset picks a free port), prints `listening <port>`, ends on
// SIGTERM/SIGINT.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/fastsio/fastsio/tools/internal/sioclient/bareserver"
	"github.com/valyala/fasthttp"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bareecho:", err)
		os.Exit(1)
	}
}

func run() error {
	port := os.Getenv("PORT")
	if port == "" {
		port = "0"
	}
	pingInterval, err := envMillis("PING_INTERVAL", 25000)
	if err != nil {
		return err
	}
	pingTimeout, err := envMillis("PING_TIMEOUT", 60000)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:"+port)
	if err != nil {
		return err
	}
	s := bareserver.New(pingInterval, pingTimeout)
	srv := &fasthttp.Server{
		Handler:               s.Handler,
		Name:                  "bareecho",
		NoDefaultServerHeader: true,
		NoDefaultDate:         true,
		Logger:                quietLogger{},
	}
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.CloseAll()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.ShutdownWithContext(sctx)
}

type quietLogger struct{}

func (quietLogger) Printf(format string, args ...any) {
	slog.Debug(fmt.Sprintf(format, args...))
}

func envMillis(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive integer (ms)", name, v)
	}
	return n, nil
}
