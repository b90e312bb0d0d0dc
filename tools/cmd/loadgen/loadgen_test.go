package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/fastsio/fastsio/tools/internal/leakcheck"
	"github.com/fastsio/fastsio/tools/internal/sioclient/bareserver"
	"github.com/valyala/fasthttp"
)

// TestMain fails the package when goroutines outlive the tests.
func TestMain(m *testing.M) { leakcheck.Main(m, 10*time.Second) }

func TestHistQuantiles(t *testing.T) {
	var h hist
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	checks := []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, 1000 * time.Microsecond}}
	for _, c := range checks {
		got := h.quantile(c.q)
		if diff := float64(got-c.want) / float64(c.want); diff > 0.035 || diff < -0.035 {
			t.Errorf("quantile(%v) = %v, want %v ±3.5%%", c.q, got, c.want)
		}
	}
	if time.Duration(h.max) != time.Millisecond {
		t.Errorf("max = %v", time.Duration(h.max))
	}
	var empty hist
	if empty.quantile(0.5) != 0 {
		t.Error("quantile of empty histogram not 0")
	}
	// Buckets are monotone and histLow inverts histBucket's lower edge.
	prev := -1
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 1 << 20, 1<<40 + 12345, 1<<63 + 1} {
		b := histBucket(v)
		if b < prev {
			t.Fatalf("bucket(%d) = %d < previous %d", v, b, prev)
		}
		prev = b
		if lo := histLow(b); lo > v || histBucket(lo) != b {
			t.Fatalf("histLow(bucket(%d)=%d) = %d", v, b, lo)
		}
	}
	var m hist
	m.merge(&h)
	m.merge(&h)
	if m.n != 2000 || m.quantile(0.5) != h.quantile(0.5) {
		t.Errorf("merge: n=%d p50=%v", m.n, m.quantile(0.5))
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-scenario", "connect"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(o.ns) != "[1000 5000 15000]" {
		t.Errorf("connect default steps = %v", o.ns)
	}
	o, err = parseFlags([]string{"-scenario", "echo"})
	if err != nil || o.clients != 50 {
		t.Errorf("echo default clients = %v, %v", o, err)
	}
	o, err = parseFlags([]string{"-scenario", "polling"})
	if err != nil || o.clients != 20 {
		t.Errorf("polling default clients = %v, %v", o, err)
	}
	for _, bad := range [][]string{
		{"-scenario", "connect", "-n", "5000,1000"},
		{"-scenario", "connect", "-n", "x"},
		{"-scenario", "fanout", "-n", "10,20"},
		{"-scenario", "fanout", "-n", "0"},
		{"-scenario", "echo", "-clients", "-1"},
		{"-scenario", "report"},
		{"-payload", "-5"},
		{"stray"},
	} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

func TestReport(t *testing.T) {
	var in bytes.Buffer
	add := func(server string, round int, scenario, kase string, m map[string]float64, errs int64) {
		b, _ := json.Marshal(Result{Type: "result", Scenario: scenario, Case: kase, Server: server, Round: round, Metrics: m, Errors: errs})
		in.Write(b)
		in.WriteString("\nhuman line ignored\n")
	}
	for round, v := range []float64{100, 300, 200} {
		add("fastsio", round+1, "echo", "clients=50 payload=100B", map[string]float64{"rt_per_s": v * 1000, "p50_ms": 0.5, "gen_cpu_pct": 10}, 0)
		add("node", round+1, "echo", "clients=50 payload=100B", map[string]float64{"rt_per_s": 50000, "p50_ms": 1}, 0)
		add("bare", round+1, "echo", "clients=50 payload=100B", map[string]float64{"rt_per_s": 400000, "p50_ms": 0.4}, 0)
		add("fastsio", round+1, "connect", "steps=1000,5000", map[string]float64{"connects_per_s": 8000, "rss_per_conn@5000": 4096, "rss_per_conn@1000": 8192}, 0)
		add("node", round+1, "connect", "steps=1000,5000", map[string]float64{"connects_per_s": 2000, "rss_per_conn@5000": 24576, "rss_per_conn@1000": 30000}, 1)
		add("fastsio", round+1, "fanout", "n=10000 messages=10 payload=100B", map[string]float64{"deliveries_per_s": 1e6}, 0)
		add("fastsio", round+1, "fanout", "n=1000 messages=100 payload=100B", map[string]float64{"deliveries_per_s": 2e6}, 0)
	}
	results, err := readResults(&in)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 21 {
		t.Fatalf("read %d results, want 21", len(results))
	}
	var out bytes.Buffer
	if err := writeReport(&out, results); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"| echo | clients=50 payload=100B | round trips/s | 200.0k | 50.0k | 4.00× | 400.0k | 0.50× |",
		"| echo | clients=50 payload=100B | latency p50 | 0.50 ms | 1.00 ms | 0.50× | 0.40 ms | 1.25× |",
		"| connect | steps=1000,5000 | connects/s | 8000 | 2000 | 4.00× | – | – |",
		"| connect | steps=1000,5000 | RSS per idle ws connection at 5000 | 4.0KiB | 24.0KiB | 0.17× | – | – |",
		"node connect steps=1000,5000: 3 errors over 3 runs",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q; got:\n%s", want, got)
		}
	}
	if strings.Contains(got, "gen_cpu_pct") {
		t.Errorf("non-headline metric in table:\n%s", got)
	}
	// Order: connect before echo before fanout; @1000 before @5000;
	// n=1000 before n=10000.
	order := []string{"connects/s", "at 1000", "at 5000", "| echo |", "n=1000 messages", "n=10000 messages"}
	last := -1
	for _, s := range order {
		i := strings.Index(got, s)
		if i < last {
			t.Errorf("%q out of order in:\n%s", s, got)
		}
		last = i
	}
}

// startBare runs the bare server in-process on a free loopback port.
func startBare(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := bareserver.New(25000, 60000)
	// A short idle-worker duration lets the worker pool's cleaner
	// goroutine notice Shutdown quickly (it sleeps that long per round).
	srv := &fasthttp.Server{Handler: s.Handler, MaxIdleWorkerDuration: 20 * time.Millisecond}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		s.CloseAll()
		_ = srv.Shutdown()
		<-done
	})
	return "http://" + ln.Addr().String()
}

func runScenario(t *testing.T, args ...string) Result {
	t.Helper()
	o, err := parseFlags(args)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o.out = &out
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, o); err != nil {
		t.Fatalf("run %q: %v\n%s", args, err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a human line and a JSON line, got:\n%s", out.String())
	}
	var r Result
	if err := json.Unmarshal([]byte(lines[1]), &r); err != nil {
		t.Fatalf("JSON line %q: %v", lines[1], err)
	}
	if r.Type != "result" || r.Errors != 0 {
		t.Fatalf("result %+v", r)
	}
	return r
}

// Smoke tests against the in-process bare server: the scenarios complete,
// count what the server did, and report their figures. No timing checks.
// Each subtest gets a fresh server, so closes still in flight from one
// scenario do not skew the next one's socket counts.
func TestScenariosAgainstBareServer(t *testing.T) {
	t.Run("echo", func(t *testing.T) {
		url := startBare(t)
		r := runScenario(t, "-url", url, "-scenario", "echo", "-clients", "3", "-warmup", "0s", "-duration", "300ms", "-srcaddrs", "4")
		if r.Metrics["round_trips"] < 1 || r.Metrics["rt_per_s"] <= 0 || r.Metrics["p99_ms"] < r.Metrics["p50_ms"] {
			t.Errorf("echo metrics %v", r.Metrics)
		}
	})
	t.Run("echo on /chat", func(t *testing.T) {
		url := startBare(t)
		r := runScenario(t, "-url", url, "-scenario", "echo", "-nsp", "/chat", "-clients", "2", "-warmup", "0s", "-duration", "200ms")
		if r.Metrics["round_trips"] < 1 {
			t.Errorf("echo metrics %v", r.Metrics)
		}
	})
	t.Run("fanout", func(t *testing.T) {
		url := startBare(t)
		r := runScenario(t, "-url", url, "-scenario", "fanout", "-n", "20", "-messages", "7", "-payload", "33", "-timeout", "30s")
		if r.Metrics["deliveries"] != 140 {
			t.Errorf("deliveries = %v, want 140", r.Metrics["deliveries"])
		}
	})
	t.Run("connect", func(t *testing.T) {
		url := startBare(t)
		r := runScenario(t, "-url", url, "-scenario", "connect", "-n", "10,30", "-settle", "10ms")
		if r.Metrics["sockets@10"] != 10 || r.Metrics["sockets@30"] != 30 {
			t.Errorf("socket counts %v", r.Metrics)
		}
		if _, ok := r.Metrics["rss_per_conn@30"]; !ok {
			t.Errorf("no rss_per_conn@30 in %v", r.Metrics)
		}
		if _, ok := r.Metrics["heap_per_conn@30"]; !ok {
			t.Errorf("no heap_per_conn@30 in %v", r.Metrics)
		}
	})
	t.Run("churn", func(t *testing.T) {
		url := startBare(t)
		r := runScenario(t, "-url", url, "-scenario", "churn", "-clients", "2", "-duration", "200ms", "-timeout", "10s")
		if r.Metrics["cycles"] < 1 || r.Metrics["sockets_leftover"] != 0 {
			t.Errorf("churn metrics %v", r.Metrics)
		}
	})
}
