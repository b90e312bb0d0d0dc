// Package replaytest holds the test plumbing shared by the replay-based
// conformance tests (conformance/enginelayer, conformance/socketlayer):
// finding the recordings and the repository, starting the Node reference
// apps and Go binaries, running every recording as a subtest, and the
// goroutine leak check for TestMain.
//
// Node rules (as scripts/test.sh expects): tests that need Node skip when
// node is missing and FASTSIO_REQUIRE_NODE is unset, and fail when it is
// set.
package replaytest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fastsio/fastsio/conformance/replay"
)

// RepoRoot returns the repository root, found from the working directory
// (a package directory inside the conformance module).
func RepoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, "go.work")); err == nil && !st.IsDir() {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("replaytest: no go.work above %s", wd)
		}
	}
}

// Node returns the node binary, skipping or failing per FASTSIO_REQUIRE_NODE
// when it is missing.
func Node(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("FASTSIO_REQUIRE_NODE") != "" {
			t.Fatalf("FASTSIO_REQUIRE_NODE is set but node is not available: %v", err)
		}
		t.Skip("node not available (set FASTSIO_REQUIRE_NODE=1 to make this an error)")
	}
	return p
}

// NodeRefApp returns the command running a Node reference app
// (tools/node/ref/<name>.js), checking that the node modules are installed.
func NodeRefApp(t testing.TB, name string) []string {
	t.Helper()
	node := Node(t)
	root := RepoRoot(t)
	mods := os.Getenv("FASTSIO_NODE_MODULES")
	if mods == "" {
		mods = filepath.Join(root, "tools", "node", "node_modules")
	}
	if _, err := os.Stat(filepath.Join(mods, "engine.io")); err != nil {
		if os.Getenv("FASTSIO_REQUIRE_NODE") != "" {
			t.Fatalf("node modules missing at %s: %v", mods, err)
		}
		t.Skipf("node modules missing at %s (run scripts/node-deps.sh)", mods)
	}
	return []string{node, filepath.Join(root, "tools", "node", "ref", name+".js")}
}

// BuildTool builds tools/cmd/<name> into a temporary directory and returns
// the binary path. The conformance module cannot import the tools module
// (tools imports conformance), so the Go apps run as processes.
func BuildTool(t testing.TB, name string) string {
	t.Helper()
	root := RepoRoot(t)
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-o", out, "./cmd/"+name)
	cmd.Dir = filepath.Join(root, "tools")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/%s: %v\n%s", name, err, b)
	}
	return out
}

// Cases loads every recording of layer (conformance/testdata/<layer>).
func Cases(t testing.TB, layer string) []*replay.Case {
	t.Helper()
	files, err := replay.Glob(filepath.Join(RepoRoot(t), "conformance", "testdata"), layer)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no %s recordings under conformance/testdata", layer)
	}
	var cs []*replay.Case
	for _, f := range files {
		c, err := replay.LoadCase(f)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	return cs
}

// Server starts a server for one case and returns its base URL and a stop
// function.
type Server func(t *testing.T, c *replay.Case) (url string, stop func())

// ProcessServer starts argv per case with the case's server environment.
func ProcessServer(argv []string) Server {
	return func(t *testing.T, c *replay.Case) (string, func()) {
		t.Helper()
		p, err := replay.StartProcess(context.Background(), argv, c.EnvList())
		if err != nil {
			t.Fatal(err)
		}
		return p.URL, func() {
			p.Stop()
			if t.Failed() {
				if s := p.Stderr(); s != "" {
					t.Logf("server stderr:\n%s", s)
				}
			}
		}
	}
}

// Options are the replay options the layer tests use: a shorter wait per
// missing event than the default, so a broken server fails fast.
func Options() *replay.Options {
	return &replay.Options{EventTimeout: 2 * time.Second}
}

// RunAll replays every case as a subtest named after its file against a
// fresh server from start. Cases on the skip list are skipped with their
// reason.
func RunAll(t *testing.T, cases []*replay.Case, start Server, opts *replay.Options) {
	t.Helper()
	for _, c := range cases {
		name := strings.TrimSuffix(filepath.Base(c.Rec.File), ".jsonl")
		t.Run(name, func(t *testing.T) {
			if c.Skip != "" {
				t.Skip(c.Skip)
			}
			url, stop := start(t, c)
			defer stop()
			rep, err := replay.ReplayCase(context.Background(), c, url, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range rep.Accepted {
				t.Logf("accepted: %s", m)
			}
			for _, n := range rep.Notes {
				t.Logf("note: %s", n)
			}
			if !rep.OK() {
				t.Errorf("%s\n%s", rep.Summary(), rep.Details())
			}
		})
	}
}

// CheckCovers keeps a test file's claims honest: every checklist ID the
// table claims for a recording must be in that recording's meta "covers"
// field, and every table entry must name an existing recording. IDs the
// recordings cover but the table does not claim yet are only logged.
func CheckCovers(t *testing.T, cases []*replay.Case, table map[string]string) {
	t.Helper()
	byName := map[string]*replay.Case{}
	for _, c := range cases {
		byName[c.Rec.Meta.Name] = c
	}
	for name, ids := range table {
		c := byName[name]
		if c == nil {
			t.Errorf("covers table names %s, which has no recording", name)
			continue
		}
		have := map[string]bool{}
		for _, id := range c.Covers {
			have[id] = true
		}
		for _, id := range strings.Fields(ids) {
			if !have[id] {
				t.Errorf("covers table claims %s for %s, but its meta covers only %q", id, name, strings.Join(c.Covers, " "))
			}
		}
	}
	for _, c := range cases {
		claimed := map[string]bool{}
		for _, id := range strings.Fields(table[c.Rec.Meta.Name]) {
			claimed[id] = true
		}
		for _, id := range c.Covers {
			if !claimed[id] {
				t.Logf("recording %s covers %s, not yet claimed in the covers table", c.Rec.Meta.Name, id)
			}
		}
	}
}

// processWide are goroutines that live for the whole process by design
// (library singletons and the test framework), matched by a stack substring.
var processWide = []string{
	"fasthttp.updateServerDate",          // fasthttp's Date header ticker
	"fasthttp/stackless.funcWorker",      // fasthttp's process-wide compression workers
	"fasthttp.(*workerPool).Start.func2", // exits MaxIdleWorkerDuration (10s) after Stop
	"testing.(*M).",
	"testing.(*T).Run",
	"testing.tRunner.func1",
	"testing.runTests",
	"os/signal.",
	"runtime.ensureSigM",
}

// leaked returns the stacks of goroutines that are neither in before (by
// their "goroutine N" header) nor process-wide, nor the caller.
func leaked(before map[string]bool) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 || before[goroutineID(g)] {
			continue
		}
		wide := false
		for _, w := range processWide {
			wide = wide || strings.Contains(g, w)
		}
		if !wide {
			out = append(out, g)
		}
	}
	return out
}

func goroutineID(stack string) string {
	head, _, _ := strings.Cut(stack, " [")
	return head
}

// LeakCheck runs the tests and then fails the binary if goroutines started
// during the run (other than process-wide library singletons) are still
// alive after five seconds. Use it from TestMain.
func LeakCheck(m *testing.M) int {
	before := map[string]bool{}
	for _, g := range leaked(nil) {
		before[goroutineID(g)] = true
	}
	code := m.Run()
	if code != 0 {
		return code
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := leaked(before)
		if len(left) == 0 {
			return 0
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "goroutine leak: %d goroutine(s) left after the tests:\n%s\n", len(left), strings.Join(left, "\n\n"))
			return 1
		}
		time.Sleep(20 * time.Millisecond)
	}
}
