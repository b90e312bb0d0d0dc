package engineio_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/fastsio/fastsio/engineio"
)

var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// An echo server: every message comes back on the same socket.
func ExampleServer() {
	srv, err := engineio.NewServer(&engineio.Options{PingInterval: 10 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	srv.OnConnection(func(s *engineio.Socket) {
		s.OnMessage(func(data []byte, binary bool) {
			// data is only valid during the call: copy before queueing.
			_ = s.Send([]engineio.Message{{Data: append([]byte(nil), data...), Binary: binary}}, engineio.SendOptions{})
		})
		s.OnClose(func(reason string) { log.Printf("%s closed: %s", s.ID(), reason) })
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()

	// A raw polling handshake (what engine.io-client sends first).
	res, err := client.Get("http://" + ln.Addr().String() + "/engine.io/?EIO=3&transport=polling&b64=1")
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("Content-Type"), srv.ClientsCount())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println(srv.Close(ctx))
	// Output:
	// 200 text/plain; charset=UTF-8 1
	// <nil>
}

// Mounting the engine.io endpoint on an application's own fasthttp.Server
// next to other routes.
func ExampleServer_Handler() {
	srv, err := engineio.NewServer(&engineio.Options{Path: "/realtime"})
	if err != nil {
		log.Fatal(err)
	}
	router := func(ctx *fasthttp.RequestCtx) {
		switch path := string(ctx.Path()); {
		case len(path) >= len("/realtime/") && path[:len("/realtime/")] == "/realtime/":
			srv.Handler(ctx)
		default:
			ctx.SetBodyString("app")
		}
	}
	app := &fasthttp.Server{Handler: router}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = app.Serve(ln) }()

	res, err := client.Get("http://" + ln.Addr().String() + "/realtime/?EIO=3&transport=nope")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(string(body))

	// Shut down the engine first (closes sessions and WebSockets), then
	// the HTTP server.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Close(ctx)
	_ = app.ShutdownWithContext(ctx)
	// Output:
	// {"code":0,"message":"Transport unknown"}
}

// Sharing an application's fasthttp.Server: the engine takes /engine.io/,
// the application's handler everything else.
func ExampleServer_ConfigureServer() {
	srv, err := engineio.NewServer(nil)
	if err != nil {
		log.Fatal(err)
	}
	app := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("app") }}
	srv.ConfigureServer(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = app.Serve(ln) }()

	for _, path := range []string{"/", "/engine.io/?EIO=3&transport=nope"} {
		res, err := client.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(string(body))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Close(ctx)
	_ = app.ShutdownWithContext(ctx)
	// Output:
	// app
	// {"code":0,"message":"Transport unknown"}
}
