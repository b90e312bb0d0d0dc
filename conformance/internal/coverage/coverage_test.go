package coverage

// The IDs in this file's fixtures are written with '@' for the last '-' and
// turned back by fix, so that scanning this repository does not count them
// as claims.

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const checklist = `# title
## 2. engine.io parser
- EIOP@01 W — encoding a message packet yields a string. — parser.js:26
- EIOP@02 W — decoding yields an object.
- EIO-HS@01 W — handshake.
not an item: - EIOP@99
- SIO@01 A — version.
- SUP@01 W — double UTF-8.
`

func fix(s string) string { return strings.ReplaceAll(s, "@", "-") }

func fixAll(ss ...string) []string {
	for i := range ss {
		ss[i] = fix(ss[i])
	}
	return ss
}

func fixKeys(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[fix(k)] = v
	}
	return out
}

func TestParseChecklist(t *testing.T) {
	items, err := ParseChecklist(strings.NewReader(fix(checklist)))
	if err != nil {
		t.Fatal(err)
	}
	var ids, layers []string
	for _, it := range items {
		ids = append(ids, it.ID)
		layers = append(layers, it.Layer)
	}
	if !reflect.DeepEqual(ids, fixAll("EIOP@01", "EIOP@02", "EIO-HS@01", "SIO@01", "SUP@01")) ||
		!reflect.DeepEqual(layers, []string{"EIOP", "EIOP", "EIO", "SIO", "SUP"}) {
		t.Fatalf("ids %v layers %v", ids, layers)
	}
	if items[0].Text != "W — encoding a message packet yields a string. — parser.js:26" {
		t.Fatalf("text %q", items[0].Text)
	}
	if _, err := ParseChecklist(strings.NewReader(fix("- EIOP@01 a\n- EIOP@01 b\n"))); err == nil {
		t.Fatal("duplicate accepted")
	}
	if _, err := ParseChecklist(strings.NewReader("nothing")); err == nil {
		t.Fatal("empty checklist accepted")
	}
}

func TestScanTestFile(t *testing.T) {
	src := "package x\n" +
		"// covers: EIOP@01, SUP@01 — text mentioning EIO-HS@01 on the same line counts\n" + // 2
		"// EIOP@02 continuation line starting with an ID\n" + // 3
		"// prose mentioning SIO@01 does not count\n" + // 4
		"func TestX(t *testing.T) {\n" +
		"\tt.Run(\"SIOP@03 name\", nil) // a comment about RED@01\n" + // 6
		"\tcases := []string{`EIO-CL@02..04 raw`, \"escaped \\\" SIO-SK@09\"}\n" + // 7
		"\t// mentions SUP@09 in a plain comment\n" + // 8
		"\t/* covers: SUP@10 */\n" + // 9
		"}\n"
	got, err := ScanTestFile("x_test.go", strings.NewReader(fix(src)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"EIOP@01": "x_test.go:2", "SUP@01": "x_test.go:2", "EIO-HS@01": "x_test.go:2", "EIOP@02": "x_test.go:3",
		"SIOP@03": "x_test.go:6", "EIO-CL@02": "x_test.go:7", "EIO-CL@03": "x_test.go:7", "EIO-CL@04": "x_test.go:7",
		"SIO-SK@09": "x_test.go:7", "SUP@10": "x_test.go:9",
	}
	if !reflect.DeepEqual(got, fixKeys(want)) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}

func TestComputeAndWrite(t *testing.T) {
	items, _ := ParseChecklist(strings.NewReader(fix(checklist)))
	r := Compute(items, fixKeys(map[string]string{"EIOP@01": "a:1", "SUP@01": "b:2", "SUP@99": "c:3"}))
	var buf bytes.Buffer
	r.Write(&buf, true)
	out := buf.String()
	for _, want := range []string{
		"EIOP        2        1   50.0%", "EIO         1        0    0.0%", "SUP         1        1  100.0%",
		"total       5        2   40.0%", "uncovered EIOP (1):\n  EIOP@02", "claimed but not in the checklist (1):\n  SUP@99 (c:3)",
	} {
		if !strings.Contains(out, fix(want)) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestScanTreeSkipsTestdata(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "a", "testdata"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "a", "a_test.go"), []byte(fix("// covers: SUP@01\n")), 0o644))
	must(os.WriteFile(filepath.Join(dir, "a", "a.go"), []byte(fix("// covers: SUP@02\n")), 0o644))
	must(os.WriteFile(filepath.Join(dir, "a", "testdata", "b_test.go"), []byte(fix("// covers: SUP@03\n")), 0o644))
	got, err := ScanTree(dir)
	must(err)
	if !reflect.DeepEqual(got, fixKeys(map[string]string{"SUP@01": "a/a_test.go:1"})) {
		t.Fatalf("got %v", got)
	}
}

// TestRepositoryCoverage prints the coverage table of this repository
// (go test -v ./internal/coverage/ shows it, with the uncovered IDs). Without
// shared/ beside the clone it only prints a notice. It also pins what this
// module's owner claims: every engine.io parser item has a test.
func TestRepositoryCoverage(t *testing.T) {
	root, err := FindRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	path := ChecklistPath(root)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("notice: checklist %s not available (%v); coverage table not computed", path, err)
	}
	items, err := ParseChecklist(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	claims, err := ScanTree(root)
	if err != nil {
		t.Fatal(err)
	}
	r := Compute(items, claims)
	var buf bytes.Buffer
	r.Write(&buf, testing.Verbose())
	t.Log("\n" + buf.String())
	for _, st := range r.Layers {
		if st.Layer == "EIOP" && len(st.Uncovered) > 0 {
			t.Errorf("engine.io parser items without a test: %v", st.Uncovered)
		}
	}
}
