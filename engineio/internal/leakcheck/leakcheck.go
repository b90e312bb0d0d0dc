// Package leakcheck finds goroutines left behind by tests. It parses
// runtime.Stack dumps; a goroutine counts as leaked when one of its frames is
// in a package of interest and it does not go away within a grace period.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Grace is how long a check waits for goroutines to finish on their own.
var Grace = 5 * time.Second

// goroutines returns the stack of every goroutine but the caller's.
func goroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	all := strings.Split(string(buf), "\n\n")
	return all[1:] // the first is the calling goroutine
}

// ignored goroutines live for the whole process by design.
var ignored = []string{
	"fasthttp.updateServerDate", // fasthttp's Date header refresher
	"testing.(*T).Run",          // a parent test waiting for subtests
	"testing.tRunner.func1",
	"testing.runTests",
	"testing.(*M).",
	"signal.signal_recv",
	"signal.loop",
	"runtime.ensureSigM",
	"os/signal.Notify",
	"leakcheck.",
	// fasthttp's idle-worker cleaner notices Shutdown only after sleeping
	// MaxIdleWorkerDuration (10 s by default), then exits.
	"fasthttp.(*workerPool).Start.func2",
	// fasthttp's compression runs on a process-wide pool of stackless
	// workers (one per CPU per compressor), started on first use.
	"fasthttp/stackless.funcWorker",
}

func interesting(stack string, pkgs []string) bool {
	for _, ig := range ignored {
		if strings.Contains(stack, ig) {
			return false
		}
	}
	if len(pkgs) == 0 {
		return true
	}
	for _, p := range pkgs {
		if strings.Contains(stack, p) {
			return true
		}
	}
	return false
}

// Find waits up to Grace for goroutines whose stacks mention one of pkgs
// (all goroutines if pkgs is empty) to end, and returns the stacks of those
// that did not. Goroutines in skip (stack prefixes "goroutine N ") are
// ignored.
func Find(skip map[string]bool, pkgs ...string) []string {
	deadline := time.Now().Add(Grace)
	for {
		var left []string
		for _, g := range goroutines() {
			if skip[header(g)] || !interesting(g, pkgs) {
				continue
			}
			left = append(left, g)
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func header(g string) string {
	if i := strings.Index(g, " ["); i > 0 {
		return g[:i]
	}
	return g
}

// Snapshot returns the set of goroutines alive now (to pass as skip).
func Snapshot() map[string]bool {
	m := map[string]bool{}
	for _, g := range goroutines() {
		m[header(g)] = true
	}
	return m
}

// Check fails t if goroutines mentioning pkgs outlive the grace period.
func Check(t testing.TB, pkgs ...string) {
	t.Helper()
	if left := Find(nil, pkgs...); len(left) > 0 {
		t.Errorf("leakcheck: %d goroutine(s) left:\n\n%s", len(left), strings.Join(left, "\n\n"))
	}
}

// Main runs the tests and then fails the binary if goroutines started
// during the run are still alive. Use it from TestMain.
func Main(m *testing.M) {
	before := Snapshot()
	code := m.Run()
	if left := Find(before); len(left) > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "leakcheck: %d goroutine(s) left after the tests:\n\n%s\n", len(left), strings.Join(left, "\n\n"))
		code = 1
	}
	os.Exit(code)
}
