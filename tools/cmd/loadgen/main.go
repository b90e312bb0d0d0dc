// Command loadgen is the fastsio benchmark load generator. It speaks
// engine.io protocol 3 / socket.io protocol 4 itself (websocket and XHR
// polling) and drives a server through the conformance app contract
// (/work/shared/contract.md: `echo` with ack, `fanout`, `stats`), so one
// binary measures fastsio's testapp, socket.io 1.7.3 on Node and the bare
// echo server alike.
//
// Usage:
//
//	loadgen -url http://127.0.0.1:PORT -scenario echo -clients 50 -duration 10s
//	loadgen -scenario report -in results.jsonl   # markdown table of medians
//
// Scenarios: connect, echo, fanout, polling, churn (see -h). Each prints one
// human summary line on stderr-free stdout and one JSON line starting with
// `{"type":"result"`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	url         string
	path        string
	nsp         string
	scenario    string
	ns          []int
	clients     int
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	payload     int
	messages    int
	hold        time.Duration
	settle      time.Duration
	timeout     time.Duration
	sourceAddrs int
	b64         bool
	server      string
	round       int
	serverPID   int
	in          string
	cpuprofile  string
	procs       int
	out         io.Writer
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	o.out = os.Stdout
	if o.scenario != "report" {
		if lim, err := raiseNoFile(); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen: raising RLIMIT_NOFILE:", err)
		} else if need := maxInt(o.ns) + o.clients + 64; uint64(need) > lim {
			fmt.Fprintf(os.Stderr, "loadgen: warning: %d file descriptors allowed, scenario may need %d\n", lim, need)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(2)
		}
	}
	err = run(ctx, o)
	if o.cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o *options) error {
	switch o.scenario {
	case "connect":
		return runConnect(ctx, o)
	case "echo":
		return runEcho(ctx, o)
	case "fanout":
		return runFanout(ctx, o)
	case "polling":
		return runPolling(ctx, o)
	case "churn":
		return runChurn(ctx, o)
	case "report":
		return runReport(o)
	case "connect-child":
		return runConnectChild(ctx, o)
	}
	return fmt.Errorf("unknown scenario %q", o.scenario)
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	o := &options{}
	var ns string
	var clients int
	fs.StringVar(&o.url, "url", "http://127.0.0.1:3000", "server base URL (http://host:port)")
	fs.StringVar(&o.path, "path", "/socket.io/", "engine.io path")
	fs.StringVar(&o.nsp, "nsp", "/", "socket.io namespace")
	fs.StringVar(&o.scenario, "scenario", "echo", "connect | echo | fanout | polling | churn | report")
	fs.StringVar(&ns, "n", "", "connection counts: connect: comma list of steps (default 1000,5000,15000); fanout: sockets (default 1000)")
	fs.IntVar(&clients, "clients", 0, "echo: clients (default 50); polling: clients (default 20); churn: parallel connect/disconnect loops (default 50)")
	fs.IntVar(&o.concurrency, "concurrency", 64, "connect/fanout: parallel dials while opening connections")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "echo/polling/churn: measured duration")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "echo/polling: unmeasured warm-up before the measured duration")
	fs.IntVar(&o.payload, "payload", 100, "echo/polling/fanout: payload string length in bytes")
	fs.IntVar(&o.messages, "messages", 100, "fanout: messages per emit (the server sends each to every socket)")
	fs.DurationVar(&o.hold, "hold", 0, "connect: after the last step keep the connections (with heartbeats) this long and report RSS growth")
	fs.DurationVar(&o.settle, "settle", 2*time.Second, "connect: wait after each step before sampling stats")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "fanout: give up waiting for deliveries after this; churn: for sockets to return to baseline")
	fs.IntVar(&o.sourceAddrs, "srcaddrs", 16, "spread connections over this many source addresses 127.0.0.2...")
	fs.BoolVar(&o.b64, "b64", false, "polling: handshake with b64=1 (string payloads, like the Node.js client)")
	fs.StringVar(&o.server, "server", "", "label of the server under test, copied into the JSON line")
	fs.IntVar(&o.round, "round", 0, "round number, copied into the JSON line")
	fs.IntVar(&o.serverPID, "server-pid", 0, "pid of the server process (same machine): report its CPU use during the measurement")
	fs.StringVar(&o.in, "in", "", "report: JSON-lines file of results ('-' = stdin)")
	fs.IntVar(&o.procs, "procs", 1, "connect: hold the connections in this many child processes (for more than one process's file limit)")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write the generator's own CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	def := map[string]int{"echo": 50, "polling": 20, "churn": 50}
	if clients == 0 {
		clients = def[o.scenario]
	}
	if clients == 0 {
		clients = 1 // unused by the scenario
	}
	o.clients = clients
	if ns == "" {
		switch o.scenario {
		case "connect":
			ns = "1000,5000,15000"
		case "fanout":
			ns = "1000"
		default:
			ns = "0"
		}
	}
	for _, f := range strings.Split(ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("-n: bad count %q", f)
		}
		o.ns = append(o.ns, n)
	}
	for i := 1; i < len(o.ns); i++ {
		if o.ns[i] <= o.ns[i-1] {
			return nil, fmt.Errorf("-n: steps must increase: %v", o.ns)
		}
	}
	switch {
	case o.clients <= 0:
		return nil, fmt.Errorf("-clients must be positive")
	case o.concurrency <= 0:
		return nil, fmt.Errorf("-concurrency must be positive")
	case o.payload < 0 || o.payload > 1<<20:
		return nil, fmt.Errorf("-payload must be in 0..1MiB")
	case o.procs <= 0 || o.procs > 64:
		return nil, fmt.Errorf("-procs must be in 1..64")
	case o.procs > 1 && o.scenario != "connect":
		return nil, fmt.Errorf("-procs is supported by the connect scenario only")
	case o.messages <= 0:
		return nil, fmt.Errorf("-messages must be positive")
	case o.duration <= 0:
		return nil, fmt.Errorf("-duration must be positive")
	case o.scenario == "fanout" && (len(o.ns) != 1 || o.ns[0] < 1):
		return nil, fmt.Errorf("fanout: -n must be one count >= 1")
	case o.scenario == "report" && o.in == "":
		return nil, fmt.Errorf("report: -in is required")
	}
	return o, nil
}

func maxInt(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// raiseNoFile lifts the soft RLIMIT_NOFILE to the hard limit (Go does this
// at start-up on Linux too, but saying it here keeps it explicit and
// reportable).
func raiseNoFile() (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return 0, err
		}
	}
	return rl.Cur, nil
}
