// Package app is the contract test application (/work/shared/contract.md)
// on fastsio: the handlers of tools/cmd/testapp, importable so that tests
// can run it in-process.
package app

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/fastsio/fastsio/socketio"
	parser "github.com/fastsio/fastsio/socketio-parser"
)

// maxFanout bounds the fanout count like the reference app.
const maxFanout = 10_000_000

// Register installs the contract's namespaces "/", "/chat" (same
// handlers) and "/auth" on srv.
func Register(srv *socketio.Server, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	for _, name := range []string{"/", "/chat"} {
		register(srv.Of(name), log)
	}
	auth := srv.Of("/auth")
	auth.Use(func(s *socketio.Socket) error {
		if s.Handshake().Query.Get("token") == "secret" {
			return nil
		}
		return errors.New("not authorized")
	})
	auth.OnConnection(func(s *socketio.Socket) { logErrors(s, log) })
	auth.On("whoami", func(s *socketio.Socket, _ socketio.Args, ack socketio.AckFunc) {
		var user any // null unless ?user= is set and non-empty (JS `||`)
		if u := s.Handshake().Query.Get("user"); u != "" {
			user = u
		}
		call(ack, user)
	})
}

func logErrors(s *socketio.Socket, log *slog.Logger) {
	s.OnError(func(s *socketio.Socket, err error) {
		log.Info("testapp: socket error", "socket", s.ID(), "err", err)
	})
}

func call(ack socketio.AckFunc, vals ...any) {
	if ack != nil {
		_ = ack(vals...)
	}
}

// values returns the arguments re-encodable exactly as received.
func values(args socketio.Args) []any {
	v, err := socketio.Values(args)
	if err != nil {
		return nil
	}
	return v
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// split returns (first, rest) of vals, tolerating short lists.
func split(vals []any, n int) ([]any, []any) {
	for len(vals) < n {
		vals = append(vals, nil)
	}
	return vals[:n], vals[n:]
}

func register(nsp *socketio.Namespace, log *slog.Logger) {
	nsp.OnConnection(func(s *socketio.Socket) {
		logErrors(s, log)
		s.Use(func(s *socketio.Socket, ev *socketio.Event) error {
			if ev.Name == "forbidden" {
				return errors.New("forbidden event")
			}
			return nil
		})
	})
	on := func(event string, h socketio.EventHandler) { nsp.On(event, h) }

	on("echo", func(s *socketio.Socket, args socketio.Args, ack socketio.AckFunc) {
		vals := values(args)
		if ack != nil {
			_ = ack(vals...)
			return
		}
		_ = s.Emit("echo", vals...)
	})
	on("join", func(s *socketio.Socket, args socketio.Args, ack socketio.AckFunc) {
		var room string
		_ = args.Decode(0, &room)
		if err := s.Join(room); err != nil {
			log.Warn("testapp: join", "err", err)
		}
		call(ack, true)
	})
	on("leave", func(s *socketio.Socket, args socketio.Args, ack socketio.AckFunc) {
		var room string
		_ = args.Decode(0, &room)
		_ = s.Leave(room)
		call(ack, true)
	})
	on("rooms", func(s *socketio.Socket, _ socketio.Args, ack socketio.AckFunc) {
		rooms := s.Rooms()
		slices.Sort(rooms)
		call(ack, nonNil(rooms))
	})
	on("clients", func(s *socketio.Socket, args socketio.Args, ack socketio.AckFunc) {
		var room *string
		_ = args.Decode(0, &room)
		op := nsp.In()
		if room != nil {
			op = nsp.In(*room)
		}
		ids, err := op.Clients(context.Background())
		if err != nil {
			log.Warn("testapp: clients", "err", err)
		}
		slices.Sort(ids)
		call(ack, nonNil(ids))
	})
	on("to", func(s *socketio.Socket, args socketio.Args, _ socketio.AckFunc) {
		head, rest := split(values(args), 2)
		_ = s.To(str(head[0])).Emit(str(head[1]), rest...)
	})
	on("in-all", func(s *socketio.Socket, args socketio.Args, _ socketio.AckFunc) {
		head, rest := split(values(args), 2)
		_ = nsp.In(str(head[0])).Emit(str(head[1]), rest...)
	})
	on("broadcast", func(s *socketio.Socket, args socketio.Args, _ socketio.AckFunc) {
		head, rest := split(values(args), 1)
		_ = s.Broadcast().Emit(str(head[0]), rest...)
	})
	on("all", func(s *socketio.Socket, args socketio.Args, _ socketio.AckFunc) {
		head, rest := split(values(args), 1)
		_ = nsp.Emit(str(head[0]), rest...)
	})
	on("ask", func(s *socketio.Socket, args socketio.Args, ack socketio.AckFunc) {
		head, rest := split(values(args), 1)
		rest = append(rest, socketio.AckCallback(func(a socketio.Args) {
			call(ack, values(a)...)
		}))
		_ = s.Emit(str(head[0]), rest...)
	})
	on("volatile", func(s *socketio.Socket, args socketio.Args, _ socketio.AckFunc) {
		head, rest := split(values(args), 1)
		_ = s.Volatile().Emit(str(head[0]), rest...)
	})
	on("handshake", func(s *socketio.Socket, _ socketio.Args, ack socketio.AckFunc) {
		h := s.Handshake()
		call(ack, parser.Object{
			{Key: "query", Value: h.Query},
			{Key: "url", Value: h.URL},
			{Key: "xdomain", Value: h.XDomain},
			{Key: "secure", Value: h.Secure},
			{Key: "id", Value: s.ID()},
		})
	})
	on("disconnect-me", func(s *socketio.Socket, args socketio.Args, _ socketio.AckFunc) {
		var v any
		_ = args.Decode(0, &v)
		s.Disconnect(truthy(v))
	})
	on("error-me", func(s *socketio.Socket, args socketio.Args, _ socketio.AckFunc) {
		vals := values(args)
		var msg any
		if len(vals) > 0 {
			msg = vals[0]
		}
		_ = s.Error(msg)
	})
	on("fanout", func(s *socketio.Socket, args socketio.Args, _ socketio.AckFunc) {
		head, _ := split(values(args), 3)
		n := count(head[0])
		for i := range n {
			// Stop early when the requester is gone (the reference keeps
			// going; up to 1e7 broadcasts would outlive it for nothing).
			if i%1024 == 1023 && !s.Connected() {
				return
			}
			if err := nsp.Emit(str(head[1]), head[2]); err != nil {
				return
			}
		}
	})
	on("stats", func(s *socketio.Socket, _ socketio.Args, ack socketio.AckFunc) {
		// heap and goroutines are extensions of the contract for the
		// benchmark suite (heap per connection, goroutines back to baseline).
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		call(ack, parser.Object{{Key: "sockets", Value: nsp.Len()}, {Key: "rss", Value: rss()},
			{Key: "heap", Value: int64(ms.HeapInuse)}, {Key: "goroutines", Value: runtime.NumGoroutine()}})
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// truthy is JavaScript truthiness for a decoded JSON value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	}
	return true
}

// count is Math.max(0, Math.min(Number(n) || 0, 1e7)) for JSON values.
func count(v any) int {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case string:
		f, _ = strconv.ParseFloat(strings.TrimSpace(x), 64)
	case bool:
		if x {
			f = 1
		}
	}
	if !(f > 0) { // also NaN
		return 0
	}
	return int(math.Ceil(min(f, maxFanout))) // i < 2.5 runs 3 times in JS
}

// rss returns the resident set size in bytes from /proc/self/statm.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
