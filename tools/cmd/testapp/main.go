// Command testapp is the contract test application (/work/shared/contract.md)
// on fastsio: namespaces "/", "/chat" and "/auth" with the contract's
// handlers, at path /socket.io on 127.0.0.1:$PORT (0 or unset: any free
// port). PING_INTERVAL / PING_TIMEOUT (ms) and MAX_HTTP_BUFFER_SIZE (bytes)
// override the engine.io defaults; ORIGINS sets socket.io's `origins`
// string (default "*:*"), like the reference app. It prints "listening <port>" once it
// accepts connections and shuts down gracefully on SIGTERM or SIGINT (or
// when stdin closes, with EXIT_ON_STDIN_CLOSE=1, like the reference app).
// PPROF_ADDR (or -pprof addr), a loopback address such as 127.0.0.1:6060,
// serves net/http/pprof there on a separate listener for profiling.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only when PPROF_ADDR / -pprof is set
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/fastsio/fastsio/socketio"
	"github.com/fastsio/fastsio/tools/cmd/testapp/app"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "testapp:", err)
		os.Exit(1)
	}
}

func envMs(name string) (time.Duration, error) {
	n, err := envInt(name)
	return time.Duration(n) * time.Millisecond, err
}

func envInt(name string) (int64, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a non-negative integer, got %q", name, v)
	}
	return n, nil
}

func run() error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	pprofAddr := flag.String("pprof", os.Getenv("PPROF_ADDR"), "serve net/http/pprof on this loopback address (env PPROF_ADDR)")
	flag.Parse()
	if *pprofAddr != "" {
		pln, err := net.Listen("tcp", *pprofAddr)
		if err != nil {
			return fmt.Errorf("pprof: %w", err)
		}
		if a, ok := pln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
			pln.Close()
			return fmt.Errorf("pprof: %s is not a loopback address", *pprofAddr)
		}
		go func() { _ = http.Serve(pln, nil) }() // DefaultServeMux carries the pprof handlers
	}
	var opts socketio.Options
	opts.Logger = log
	var err error
	if opts.Engine.PingInterval, err = envMs("PING_INTERVAL"); err != nil {
		return err
	}
	if opts.Engine.PingTimeout, err = envMs("PING_TIMEOUT"); err != nil {
		return err
	}
	if opts.Engine.MaxHTTPBufferSize, err = envInt("MAX_HTTP_BUFFER_SIZE"); err != nil {
		return err
	}
	opts.Origins = os.Getenv("ORIGINS") // 1.7.3 `origins` string; "" = "*:*"
	// INLINE_HANDLERS=1 turns on socketio.Options.InlineHandlers (for
	// benchmarks of the opt-in mode).
	opts.InlineHandlers = os.Getenv("INLINE_HANDLERS") == "1"
	srv, err := socketio.NewServer(&opts)
	if err != nil {
		return err
	}
	app.Register(srv, log)

	port := os.Getenv("PORT")
	if port == "" {
		port = "0"
	}
	// No TCP keepalive, as Node's server: engine.io's heartbeat finds dead
	// peers, and the keepalive options cost four system calls per accepted
	// connection.
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(context.Background(), "tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return err
	}
	// Signals are caught before "listening" is printed: a driver may
	// signal right after reading it.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	stdinClosed := make(chan struct{})
	if os.Getenv("EXIT_ON_STDIN_CLOSE") == "1" {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			close(stdinClosed)
		}()
	}
	select {
	case <-stop:
	case <-stdinClosed:
	case err := <-served:
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	<-served
	return nil
}
