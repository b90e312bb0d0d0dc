// Command recorder is a recording TCP proxy for HTTP/1.1 and WebSocket
// traffic. It listens on -listen, forwards every connection to -target and
// writes everything it sees as JSON lines (the fastsio recording format, see
// tools/node/README.md) to -out.
//
// Each HTTP message and each websocket message is parsed completely,
// recorded, and only then forwarded, so a reply is always recorded after the
// message that caused it. Request and response bodies are recorded
// de-chunked but not decompressed. permessage-deflate is left in place by
// default: compressed messages are inflated for the record and marked
// "compressed":true; -strip-ws-extensions removes Sec-WebSocket-Extensions
// from upgrade requests instead so nothing is negotiated.
//
// Usage:
//
//	recorder -listen 127.0.0.1:0 -target 127.0.0.1:3000 -out x.jsonl \
//	  -name polling -meta layer=engineio -meta client=engine.io-client@1.8.3
//
// It prints "listening <port>" on stdout once it accepts connections and
// exits cleanly (file complete) on SIGTERM or SIGINT.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

type metaFlags []metaField

func (m *metaFlags) String() string { return fmt.Sprint(*m) }

func (m *metaFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("recorder: -meta wants key=value, got %q", v)
	}
	if k == "kind" || k == "name" {
		return fmt.Errorf("recorder: -meta %s is reserved", k)
	}
	for i := range *m {
		if (*m)[i].key == k {
			(*m)[i].value = val
			return nil
		}
	}
	*m = append(*m, metaField{k, val})
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("recorder", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	target := fs.String("target", "", "host:port of the server to record (required)")
	out := fs.String("out", "", "output .jsonl file (required; - for stdout)")
	name := fs.String("name", "", "recording name for the meta line (required)")
	maxBody := fs.Int64("max-body", 256<<20, "largest HTTP body or websocket message passed through")
	strip := fs.Bool("strip-ws-extensions", false, "remove Sec-WebSocket-Extensions from upgrade requests (no permessage-deflate)")
	var meta metaFlags
	fs.Var(&meta, "meta", "key=value for the meta line (repeatable; layer, client, server, transports, description, ...)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *target == "" || *out == "" || *name == "" {
		return errors.New("recorder: -target, -out and -name are required")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	var w *os.File
	if *out == "-" {
		w = os.Stdout
	} else {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("recorder: %w", err)
		}
		defer f.Close()
		w = f
	}
	// Unbuffered: every event is one write, so a killed recorder leaves a
	// usable prefix.
	bw := w
	// The meta line keys: name first, then the well-known keys, then the rest.
	fields := []metaField{{"name", *name}}
	order := []string{"layer", "client", "server", "transports", "description"}
	for _, k := range order {
		for _, f := range meta {
			if f.key == k {
				fields = append(fields, f)
			}
		}
	}
	for _, f := range meta {
		if !contains(order, f.key) {
			fields = append(fields, f)
		}
	}
	if *strip {
		fields = append(fields, metaField{"ws_deflate", "stripped: Sec-WebSocket-Extensions removed from upgrade requests"})
	} else {
		fields = append(fields, metaField{"ws_deflate", "kept: compressed messages recorded inflated with \"compressed\":true"})
	}
	rec := newRecorder(bw, time.Now())
	if err := rec.writeMeta(fields); err != nil {
		return fmt.Errorf("recorder: %w", err)
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("recorder: %w", err)
	}
	cfg := &proxyConfig{target: *target, rec: rec, maxBody: *maxBody, stripExtensions: *strip,
		dialTimeout: 5 * time.Second, log: log}
	p := newProxy(cfg)
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- p.serve(ln) }()
	select {
	case <-sig:
	case err := <-done:
		if err != nil {
			log.Error("recorder: accept failed", "err", err)
		}
	}
	// Stop recording first so connections torn down below leave no events.
	werr := rec.stop()
	_ = ln.Close()
	p.closeAll()
	ferr := bw.Sync()
	if werr != nil {
		return werr
	}
	if ferr != nil {
		return fmt.Errorf("recorder: flushing %s: %w", *out, ferr)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// proxy accepts connections and runs a session for each.
type proxy struct {
	cfg     *proxyConfig
	mu      sync.Mutex
	closing bool
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
}

func newProxy(cfg *proxyConfig) *proxy {
	return &proxy{cfg: cfg, conns: map[net.Conn]struct{}{}}
}

func (p *proxy) track(c net.Conn, add bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add && p.closing {
		_ = c.Close() // raced with closeAll; the session ends at once
	} else if add {
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
}

// serve accepts until ln is closed; it returns nil after ln.Close.
func (p *proxy) serve(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(c)
		}()
	}
}

func (p *proxy) handle(c net.Conn) {
	p.track(c, true)
	defer p.track(c, false)
	id := p.cfg.rec.newConn()
	srv, err := net.DialTimeout("tcp", p.cfg.target, p.cfg.dialTimeout)
	if err != nil {
		p.cfg.log.Error("recorder: dial target", "conn", id, "err", err)
		_ = c.Close()
		return
	}
	p.track(srv, true)
	defer p.track(srv, false)
	s := &session{cfg: p.cfg, id: id, client: c, server: srv, upgrade: make(chan upgradeResult, 1)}
	s.run()
}

// closeAll tears down every open connection and waits for the sessions.
func (p *proxy) closeAll() {
	p.mu.Lock()
	p.closing = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
