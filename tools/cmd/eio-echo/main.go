// Command eio-echo is the contract's engine.io echo app on fastsio's engine.io
// server: every message a client sends comes straight back on the same
// socket, text as text and binary as binary.
//
// It listens on 127.0.0.1:$PORT (0 or unset picks a free port) at path
// /engine.io, with pingInterval/pingTimeout from PING_INTERVAL/PING_TIMEOUT
// (milliseconds) and maxHttpBufferSize from MAX_HTTP_BUFFER_SIZE (bytes) when
// set, prints "listening <port>" once it accepts connections, and shuts down
// gracefully on SIGTERM or SIGINT.
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

	"github.com/fastsio/fastsio/engineio"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "eio-echo:", err)
		os.Exit(1)
	}
}

func run() error {
	opts, err := optionsFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	srv, err := engineio.NewServer(opts)
	if err != nil {
		return err
	}
	srv.OnConnection(Echo)

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", envOr("PORT", "0")))
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-errc:
		return err
	case <-sig:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		return err
	}
	if err := <-errc; err != engineio.ErrServerClosed {
		return err
	}
	return nil
}

// Echo makes sock send back every message it receives.
func Echo(sock *engineio.Socket) {
	sock.OnMessage(func(data []byte, binary bool) {
		// data is only valid during the call; Send keeps it until written.
		msg := []engineio.Message{{Data: append([]byte(nil), data...), Binary: binary}}
		if err := sock.Send(msg, engineio.SendOptions{}); err != nil {
			slog.Debug("eio-echo: send failed", "sid", sock.ID(), "err", err)
		}
	})
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// optionsFromEnv reads PING_INTERVAL, PING_TIMEOUT (ms) and
// MAX_HTTP_BUFFER_SIZE (bytes).
func optionsFromEnv(getenv func(string) string) (*engineio.Options, error) {
	opts := &engineio.Options{}
	ms := func(k string, dst *time.Duration) error {
		v := getenv(k)
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%s=%q: want milliseconds", k, v)
		}
		*dst = time.Duration(n) * time.Millisecond
		return nil
	}
	if err := ms("PING_INTERVAL", &opts.PingInterval); err != nil {
		return nil, err
	}
	if err := ms("PING_TIMEOUT", &opts.PingTimeout); err != nil {
		return nil, err
	}
	if v := getenv("MAX_HTTP_BUFFER_SIZE"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("MAX_HTTP_BUFFER_SIZE=%q: want bytes", v)
		}
		opts.MaxHTTPBufferSize = n
	}
	return opts, nil
}
