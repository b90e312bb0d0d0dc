package interop

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// nodeWith returns the node binary and the node_modules directory holding
// pkg (FASTSIO_NODE_MODULES, else tools/node/node_modules). It skips the
// test when either is missing, and fails it instead when
// FASTSIO_REQUIRE_NODE is set (as scripts/test.sh does).
func nodeWith(t *testing.T, pkg string) (node, modules string) {
	t.Helper()
	modules = os.Getenv("FASTSIO_NODE_MODULES")
	if modules == "" {
		modules, _ = filepath.Abs(filepath.Join("..", "node", "node_modules"))
	}
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(modules, pkg, "package.json"))
	}
	if err != nil {
		if os.Getenv("FASTSIO_REQUIRE_NODE") != "" {
			t.Fatalf("FASTSIO_REQUIRE_NODE is set but node or %s is missing (run scripts/node-deps.sh): %v", pkg, err)
		}
		t.Skipf("node or %s not available (set FASTSIO_REQUIRE_NODE=1 to make this a failure): %v", pkg, err)
	}
	return node, modules
}

// noLeaks fails t if goroutines whose stacks mention any of markers are
// still running 5 s after a server closed.
func noLeaks(t *testing.T, markers ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var left []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "interop.noLeaks") {
				continue
			}
			for _, m := range markers {
				if strings.Contains(g, m) {
					left = append(left, g)
					break
				}
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d goroutine(s) left after Close:\n%s", len(left), strings.Join(left, "\n\n"))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
