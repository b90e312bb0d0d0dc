package enginelayer

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/fastsio/fastsio/conformance/replay"
	"github.com/fastsio/fastsio/conformance/replay/replaytest"
	"github.com/fastsio/fastsio/engineio"
)

func TestMain(m *testing.M) { os.Exit(replaytest.LeakCheck(m)) }

// covers lists the checklist IDs each recording covers (checked against
// the recordings' meta by TestCoversTable). Every recording is replayed by
// TestReplayFastsio and TestReplayReference.
var covers = map[string]string{
	"polling":                     "SUP-01 SUP-23 SUP-31",
	"raw-client-close-parked-get": "SUP-23",
	"raw-handshake-errors":        "SUP-04 SUP-05 SUP-09",
	"raw-http-compression":        "SUP-29",
	"raw-jsonp-no-b64":            "SUP-25",
	"raw-jsonp":                   "SUP-24 SUP-26",
	"raw-max-http-buffer-size":    "SUP-27 SUP-28",
	"raw-other-methods-with-sid":  "SUP-05 SUP-06",
	"raw-overlapping-get":         "SUP-07",
	"raw-ping-timeout":            "SUP-16",
	"raw-post-garbage":            "SUP-08",
	"raw-post-single-utf8":        "SUP-01 SUP-02",
	"raw-upgrade-edge":            "SUP-10 SUP-11 SUP-17 SUP-18 SUP-19 SUP-20",
	"raw-websocket":               "SUP-12 SUP-13 SUP-14 SUP-15",
	"raw-xhr2-binary":             "SUP-03",
	"upgrade":                     "SUP-17",
	"websocket":                   "SUP-12",
}

func TestCoversTable(t *testing.T) {
	replaytest.CheckCovers(t, replaytest.Cases(t, "engineio"), covers)
}

// TestReplayFastsio replays every engine.io recording against fastsio's
// engine.io server with an echo handler, configured from the recording's
// server_env. Deviations engineio documents as deliberate are accepted
// (and logged).
//
// covers: SUP-01 SUP-02 SUP-03 SUP-04 SUP-05 SUP-06 SUP-07 SUP-08 SUP-09
// SUP-10 SUP-11 SUP-12 SUP-13 SUP-14 SUP-15 SUP-16 SUP-17 SUP-18 SUP-19
// SUP-20 SUP-23 SUP-24 SUP-25 SUP-26 SUP-27 SUP-28 SUP-29 SUP-31
func TestReplayFastsio(t *testing.T) {
	opts := replaytest.Options()
	opts.Accept = replay.FastsioDeviations
	replaytest.RunAll(t, replaytest.Cases(t, "engineio"), startEcho, opts)
}

// TestReplayReference is the replay engine's self-test: replaying a
// recording against the reference server it was made with must show no
// mismatch.
func TestReplayReference(t *testing.T) {
	argv := replaytest.NodeRefApp(t, "eio-echo")
	replaytest.RunAll(t, replaytest.Cases(t, "engineio"), replaytest.ProcessServer(argv), replaytest.Options())
}

// echoOptions maps the recording's server_env (the variables the reference
// echo app reads) to engineio.Options.
func echoOptions(env map[string]string) (*engineio.Options, error) {
	opts := &engineio.Options{}
	for k, v := range env {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("server_env %s=%q: want a non-negative integer", k, v)
		}
		switch k {
		case "PING_INTERVAL":
			opts.PingInterval = time.Duration(n) * time.Millisecond
		case "PING_TIMEOUT":
			opts.PingTimeout = time.Duration(n) * time.Millisecond
		case "MAX_HTTP_BUFFER_SIZE":
			opts.MaxHTTPBufferSize = n
		default:
			return nil, fmt.Errorf("server_env %s is not supported by the in-process echo server", k)
		}
	}
	return opts, nil
}

// startEcho serves the contract's engine.io echo app in-process.
func startEcho(t *testing.T, c *replay.Case) (string, func()) {
	t.Helper()
	opts, err := echoOptions(c.Env)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := engineio.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.OnConnection(func(s *engineio.Socket) {
		s.OnMessage(func(data []byte, binary bool) {
			msg := []engineio.Message{{Data: append([]byte(nil), data...), Binary: binary}}
			_ = s.Send(msg, engineio.SendOptions{}) // ErrClosed after a close is expected
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("engineio Close: %v", err)
		}
		if err := <-errc; err != nil && err != engineio.ErrServerClosed {
			t.Errorf("engineio Serve: %v", err)
		}
	}
}
