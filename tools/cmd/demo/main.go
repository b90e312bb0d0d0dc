// Command demo is a small chat room on fastsio that a person can open in a
// browser: the page (static/, embedded) talks to the Go server with the
// unmodified socket.io 1.7.3 browser client, served from
// tools/node/node_modules/socket.io-client/dist (installed by
// scripts/node-deps.sh, never committed).
//
// Run it with ./scripts/demo.sh from the repository root, or
// `go run ./cmd/demo` inside tools/. Flags: -addr (default
// 127.0.0.1:8080), -client (directory of socket.io.js).
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fastsio/fastsio/socketio"
	"github.com/valyala/fasthttp"
)

//go:embed static
var static embed.FS

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	client := flag.String("client", filepath.Join("node", "node_modules", "socket.io-client", "dist"), "directory holding socket.io.js (socket.io-client 1.7.3 dist)")
	flag.Parse()
	if err := run(*addr, *client); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(addr, clientDir string) error {
	if _, err := os.Stat(filepath.Join(clientDir, "socket.io.js")); err != nil {
		return fmt.Errorf("socket.io client bundle not found in %s (run scripts/node-deps.sh, or pass -client): %w", clientDir, err)
	}
	page, err := fs.Sub(static, "static")
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := socketio.NewServer(&socketio.Options{
		ClientFS:   os.DirFS(clientDir),
		ClientFile: "socket.io.js", // readable build for a demo
		Fallback:   pageHandler(page),
		Logger:     log,
	})
	if err != nil {
		return err
	}
	newChat(srv, log)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("fastsio chat demo: open http://%s/ in a browser (Ctrl-C stops)\n", ln.Addr())
	select {
	case <-stop:
	case err := <-served:
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		return err
	}
	if err := <-served; err != nil && !errors.Is(err, socketio.ErrServerClosed) {
		return err
	}
	return nil
}

// pageHandler serves the embedded page files; "/" is index.html.
func pageHandler(page fs.FS) fasthttp.RequestHandler {
	types := map[string]string{".html": "text/html; charset=utf-8", ".js": "application/javascript", ".css": "text/css"}
	return func(ctx *fasthttp.RequestCtx) {
		name := string(ctx.Path())[1:]
		if name == "" {
			name = "index.html"
		}
		b, err := fs.ReadFile(page, name)
		if err != nil {
			ctx.Error("Not Found", fasthttp.StatusNotFound)
			return
		}
		ctx.SetContentType(types[filepath.Ext(name)])
		ctx.Response.Header.Set("Cache-Control", "no-cache")
		ctx.SetBody(b)
	}
}
