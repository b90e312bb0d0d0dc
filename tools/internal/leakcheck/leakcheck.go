// Package leakcheck fails a test binary whose goroutines outlive its tests
// (servers not shut down, connections not closed).
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// processWide are goroutines started once per process and never stopped:
// fasthttp's Date-header ticker and the signal loop of the fuzzing engine.
var processWide = []string{"fasthttp.updateServerDate", "os/signal.signal_recv"}

// Main runs the tests and exits; it fails the binary when, after passing
// tests, more goroutines are left than before them (waiting up to grace for
// them to end).
func Main(m *testing.M, grace time.Duration) {
	before := goroutines()
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(grace)
		for len(goroutines()) > len(before) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if after := goroutines(); len(after) > len(before) {
			fmt.Fprintf(os.Stderr, "goroutine leak: %d before, %d after:\n%s\n", len(before), len(after), strings.Join(after, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// goroutines returns the stacks of live goroutines but the process-wide ones.
func goroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
next:
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, p := range processWide {
			if strings.Contains(g, p) {
				continue next
			}
		}
		out = append(out, g)
	}
	return out
}
