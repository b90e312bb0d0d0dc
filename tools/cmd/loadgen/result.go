package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Result is one scenario run; it is printed as one JSON line.
type Result struct {
	Type     string             `json:"type"` // always "result"
	Scenario string             `json:"scenario"`
	Case     string             `json:"case"` // parameters that make figures comparable
	Server   string             `json:"server,omitempty"`
	Round    int                `json:"round,omitempty"`
	Metrics  map[string]float64 `json:"metrics"`
	Errors   int64              `json:"errors"`
	Notes    []string           `json:"notes,omitempty"`
}

func newResult(o *options, scenario, kase string) *Result {
	return &Result{Type: "result", Scenario: scenario, Case: kase, Server: o.server, Round: o.round, Metrics: map[string]float64{}}
}

func (r *Result) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// emit prints the human line and the JSON line.
func (r *Result) emit(o *options, human string) error {
	for k, v := range r.Metrics {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(r.Metrics, k)
		}
	}
	label := r.Server
	if label == "" {
		label = o.url
	}
	fmt.Fprintf(o.out, "%s [%s] %s: %s", r.Scenario, label, r.Case, human)
	if r.Errors > 0 {
		fmt.Fprintf(o.out, " errors=%d", r.Errors)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(o.out, " (%s)", n)
	}
	fmt.Fprintln(o.out)
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.out, "%s\n", b)
	return err
}

// hist is a log-linear latency histogram (~1.6% resolution) over
// nanoseconds; fixed size, no allocation per sample.
type hist struct {
	counts [58 * 64]uint64
	n      uint64
	max    uint64
}

const histSub = 6 // 64 sub-buckets per power of two; top half used above 64

func histBucket(v uint64) int {
	if v < 1<<histSub {
		return int(v)
	}
	s := bits.Len64(v) - histSub
	return s<<(histSub-1) + int(v>>s)
}

// histLow returns the smallest value mapping to bucket i.
func histLow(i int) uint64 {
	if i < 1<<histSub {
		return uint64(i)
	}
	s := i>>(histSub-1) - 1
	top := uint64(i - s<<(histSub-1))
	return top << s
}

func (h *hist) record(d time.Duration) {
	v := uint64(max(d, 0))
	b := histBucket(v)
	if b >= len(h.counts) {
		b = len(h.counts) - 1
	}
	h.counts[b]++
	h.n++
	h.max = max(h.max, v)
}

func (h *hist) merge(o *hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the value at quantile q (0..1) as the midpoint of its bucket.
func (h *hist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := histLow(i), histLow(i+1)
			v := lo + (hi-lo)/2
			return time.Duration(min(v, h.max))
		}
	}
	return time.Duration(h.max)
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// cpuClock reads a process's user+system CPU time: self via getrusage,
// another pid via /proc/<pid>/stat (clock ticks, assumed 100 Hz as on every
// Linux build Go runs on).
func cpuClock(pid int) (time.Duration, bool) {
	if pid == 0 {
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
			return 0, false
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// Fields after the parenthesised command name; utime and stime are
	// fields 14 and 15 of the whole line.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, true
}

// cpuMeter measures the CPU share of the generator and (optionally) the
// server over a wall-clock window.
type cpuMeter struct {
	pid        int
	start      time.Time
	self, peer time.Duration
	okSelf     bool
	okPeer     bool
}

func startCPU(pid int) *cpuMeter {
	m := &cpuMeter{pid: pid, start: time.Now()}
	m.self, m.okSelf = cpuClock(0)
	if pid > 0 {
		m.peer, m.okPeer = cpuClock(pid)
	}
	return m
}

// stop writes gen_cpu_pct and server_cpu_pct (100 = one core busy).
func (m *cpuMeter) stop(r *Result) {
	wall := time.Since(m.start)
	if wall <= 0 {
		return
	}
	if c, ok := cpuClock(0); ok && m.okSelf {
		r.Metrics["gen_cpu_pct"] = 100 * float64(c-m.self) / float64(wall)
	}
	if m.pid > 0 && m.okPeer {
		if c, ok := cpuClock(m.pid); ok {
			r.Metrics["server_cpu_pct"] = 100 * float64(c-m.peer) / float64(wall)
		}
	}
}
