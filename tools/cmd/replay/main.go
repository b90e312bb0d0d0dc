// Command replay plays the client side of recorded reference sessions
// (conformance/testdata/<layer>/*.jsonl) against a live socket.io 1.x /
// engine.io 3 server and reports where its answers differ from what the
// reference (socket.io 1.7.3 / engine.io 1.8.3) sent.
//
// Usage:
//
//	replay -url http://127.0.0.1:PORT [-layer engineio|socketio] [-v] [files...]
//	replay -cmd "node tools/node/ref/eio-echo.js" [-layer engineio] [-v] [files...]
//
// With -url every recording runs against that one server; recordings that
// were made with a special server environment (server_env in their meta,
// e.g. PING_INTERVAL=300) are skipped unless -force, since the server was
// not started with it. With -cmd the command is started for every
// recording (PORT=0 plus the recording's server_env) and stopped after it.
// Without files, every recording of -layer under -dir is replayed.
// Recordings on the replay skip list (timing-dependent cases) are skipped
// unless -all. -fastsio accepts the deviations fastsio documents as
// deliberate (replay.FastsioDeviations; listed, not counted as mismatches).
//
// One line per recording ("ok" or "N mismatches"), diffs with -v; exit
// status 1 if any recording mismatched, 2 on usage errors.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/fastsio/fastsio/conformance/replay"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	baseURL := fs.String("url", "", "base URL of a running server, http://127.0.0.1:PORT")
	command := fs.String("cmd", "", "command that starts a server per recording (contract rules: PORT=0, prints 'listening <port>')")
	layer := fs.String("layer", "", "engineio or socketio: which recordings to replay when no files are given")
	dir := fs.String("dir", "", "testdata directory (default: conformance/testdata found from the working directory)")
	verbose := fs.Bool("v", false, "print diffs and notes")
	force := fs.Bool("force", false, "with -url, also replay recordings that need a special server environment")
	all := fs.Bool("all", false, "also replay recordings on the skip list")
	timeout := fs.Duration("timeout", 30*time.Second, "deadline per recording")
	noPace := fs.Bool("nopace", false, "do not keep the recorded gaps between client events")
	fastsio := fs.Bool("fastsio", false, "accept the deviations fastsio documents as deliberate (replay.FastsioDeviations)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*baseURL == "") == (*command == "") {
		fmt.Fprintln(os.Stderr, "replay: give exactly one of -url and -cmd")
		return 2
	}
	if *layer != "" && *layer != "engineio" && *layer != "socketio" {
		fmt.Fprintln(os.Stderr, "replay: -layer must be engineio or socketio")
		return 2
	}
	files := fs.Args()
	if len(files) == 0 {
		d := *dir
		if d == "" {
			d = findTestdata()
		}
		var err error
		if files, err = replay.Glob(d, *layer); err != nil || len(files) == 0 {
			fmt.Fprintf(os.Stderr, "replay: no recordings under %q (use -dir or name files): %v\n", d, err)
			return 2
		}
	}
	opts := &replay.Options{Timeout: *timeout, NoPace: *noPace}
	if *fastsio {
		opts.Accept = replay.FastsioDeviations
	}
	failed := false
	for _, f := range files {
		c, err := replay.LoadCase(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
			continue
		}
		if *layer != "" && c.Rec.Meta.Layer != *layer {
			fmt.Printf("%s: skipped (layer %s)\n", c.Name(), c.Rec.Meta.Layer)
			continue
		}
		if c.Skip != "" && !*all {
			fmt.Printf("%s: skipped (%s)\n", c.Name(), c.Skip)
			continue
		}
		url := *baseURL
		var proc *replay.Process
		if *command != "" {
			proc, err = replay.StartProcess(context.Background(), strings.Fields(*command), c.EnvList())
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", c.Name(), err)
				failed = true
				continue
			}
			url = proc.URL
		} else if len(c.Env) > 0 && !*force {
			fmt.Printf("%s: skipped (needs server env %s; use -cmd or -force)\n", c.Name(), strings.Join(c.EnvList(), " "))
			continue
		}
		rep, err := replay.ReplayCase(context.Background(), c, url, opts)
		if proc != nil {
			proc.Stop()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", c.Name(), err)
			failed = true
			continue
		}
		fmt.Println(rep.Summary())
		if !rep.OK() {
			failed = true
		}
		if *verbose {
			fmt.Print(rep.Details())
		}
	}
	if failed {
		return 1
	}
	return 0
}

// findTestdata looks for conformance/testdata from the working directory up.
func findTestdata() string {
	wd, err := os.Getwd()
	if err != nil {
		return "conformance/testdata"
	}
	for d := wd; ; {
		for _, cand := range []string{d + "/conformance/testdata", d + "/testdata"} {
			if st, err := os.Stat(cand + "/engineio"); err == nil && st.IsDir() {
				return cand
			}
		}
		parent := d[:max(strings.LastIndexByte(d, '/'), 0)]
		if parent == d || parent == "" {
			return "conformance/testdata"
		}
		d = parent
	}
}
