// Package coverage computes which checklist items (shared/spec/checklist.md)
// the repository's tests claim to cover: IDs on `covers:` comment lines
// (and on comment lines continuing them) and IDs inside string literals of
// *_test.go files (subtest and table-case names).
package coverage

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Layers in report order; an ID's layer is its prefix before the first '-'.
var Layers = []string{"EIO", "EIOP", "SIOP", "SIO", "RED", "SUP"}

// idRe matches a checklist ID, optionally followed by a range end
// ("EIOP-01..05").
var idRe = regexp.MustCompile(`\b(EIOP|EIO|SIOP|SIO|RED|SUP)((?:-[A-Z]+)*)-(\d+)(?:\.\.(\d+))?\b`)

// checklistRe matches an item line of the checklist.
var checklistRe = regexp.MustCompile(`^- ((?:EIOP|EIO|SIOP|SIO|RED|SUP)(?:-[A-Z]+)*-\d+) `)

// Item is one checklist entry.
type Item struct {
	ID    string
	Layer string
	Text  string // the rest of the line
}

// ParseChecklist reads the checklist items in file order.
func ParseChecklist(r io.Reader) ([]Item, error) {
	var items []Item
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	seen := map[string]bool{}
	for sc.Scan() {
		m := checklistRe.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if seen[m[1]] {
			return nil, fmt.Errorf("coverage: checklist lists %s twice", m[1])
		}
		seen[m[1]] = true
		items = append(items, Item{ID: m[1], Layer: layerOf(m[1]), Text: strings.TrimSpace(sc.Text()[len(m[0]):])})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("coverage: reading checklist: %w", err)
	}
	if len(items) == 0 {
		return nil, errors.New("coverage: no checklist items found")
	}
	return items, nil
}

func layerOf(id string) string {
	l, _, _ := strings.Cut(id, "-")
	return l
}

// idsIn returns the IDs in s, expanding ranges like EIOP-01..05.
func idsIn(s string) []string {
	var out []string
	for _, m := range idRe.FindAllStringSubmatch(s, -1) {
		prefix := m[1] + m[2] + "-"
		if m[4] == "" {
			out = append(out, prefix+m[3])
			continue
		}
		from, _ := strconv.Atoi(m[3])
		to, _ := strconv.Atoi(m[4])
		if to < from || to-from > 500 {
			out = append(out, prefix+m[3])
			continue
		}
		for i := from; i <= to; i++ {
			out = append(out, prefix+fmt.Sprintf("%0*d", len(m[3]), i))
		}
	}
	return out
}

// stringLitRe finds Go interpreted and raw string literals on one line.
var stringLitRe = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`")

// ScanTestFile returns the IDs claimed by one test file, each with the
// first "file:line" claiming it.
func ScanTestFile(name string, r io.Reader) (map[string]string, error) {
	claims := map[string]string{}
	add := func(ids []string, line int) {
		for _, id := range ids {
			if _, ok := claims[id]; !ok {
				claims[id] = name + ":" + strconv.Itoa(line)
			}
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	n := 0
	inCovers := false
	for sc.Scan() {
		n++
		line := sc.Text()
		trim := strings.TrimSpace(line)
		comment := strings.HasPrefix(trim, "//")
		switch {
		case strings.Contains(line, "covers:"):
			_, after, _ := strings.Cut(line, "covers:")
			add(idsIn(after), n)
			inCovers = comment
			continue
		case inCovers && comment:
			// A continuation counts only if it starts with an ID.
			rest := strings.TrimSpace(strings.TrimPrefix(trim, "//"))
			if loc := idRe.FindStringIndex(rest); loc != nil && loc[0] == 0 {
				add(idsIn(rest), n)
				continue
			}
			inCovers = false
		default:
			inCovers = false
		}
		if comment {
			continue
		}
		for _, lit := range stringLitRe.FindAllString(line, -1) {
			add(idsIn(lit), n)
		}
	}
	return claims, sc.Err()
}

// ScanTree scans every *_test.go under root (skipping testdata, vendor,
// node_modules and hidden directories).
func ScanTree(root string) (map[string]string, error) {
	claims := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n := d.Name()
			if path != root && (n == "testdata" || n == "vendor" || n == "node_modules" || strings.HasPrefix(n, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(root, path)
		c, err := ScanTestFile(filepath.ToSlash(rel), f)
		if err != nil {
			return fmt.Errorf("coverage: %s: %w", rel, err)
		}
		for id, where := range c {
			if _, ok := claims[id]; !ok {
				claims[id] = where
			}
		}
		return nil
	})
	return claims, err
}

// LayerStats is one row of the report.
type LayerStats struct {
	Layer     string
	Items     int
	Covered   int
	Uncovered []string
}

// Report is the coverage of a checklist by a set of claims.
type Report struct {
	Layers  []LayerStats
	Unknown []string // claimed IDs that are not in the checklist (typos?), "ID (file:line)"
}

// Compute builds the report.
func Compute(items []Item, claims map[string]string) Report {
	var r Report
	known := map[string]bool{}
	for _, l := range Layers {
		st := LayerStats{Layer: l}
		for _, it := range items {
			if it.Layer != l {
				continue
			}
			known[it.ID] = true
			st.Items++
			if _, ok := claims[it.ID]; ok {
				st.Covered++
			} else {
				st.Uncovered = append(st.Uncovered, it.ID)
			}
		}
		r.Layers = append(r.Layers, st)
	}
	for id, where := range claims {
		if !known[id] {
			r.Unknown = append(r.Unknown, id+" ("+where+")")
		}
	}
	sort.Strings(r.Unknown)
	return r
}

// Write prints the report table; verbose adds the uncovered and unknown IDs.
func (r Report) Write(w io.Writer, verbose bool) {
	fmt.Fprintf(w, "%-6s %6s %8s %7s\n", "layer", "items", "covered", "percent")
	ti, tc := 0, 0
	for _, st := range r.Layers {
		fmt.Fprintf(w, "%-6s %6d %8d %6.1f%%\n", st.Layer, st.Items, st.Covered, pct(st.Covered, st.Items))
		ti += st.Items
		tc += st.Covered
	}
	fmt.Fprintf(w, "%-6s %6d %8d %6.1f%%\n", "total", ti, tc, pct(tc, ti))
	if !verbose {
		return
	}
	for _, st := range r.Layers {
		if len(st.Uncovered) > 0 {
			fmt.Fprintf(w, "\nuncovered %s (%d):\n", st.Layer, len(st.Uncovered))
			for i := 0; i < len(st.Uncovered); i += 8 {
				fmt.Fprintf(w, "  %s\n", strings.Join(st.Uncovered[i:min(i+8, len(st.Uncovered))], " "))
			}
		}
	}
	if len(r.Unknown) > 0 {
		fmt.Fprintf(w, "\nclaimed but not in the checklist (%d):\n", len(r.Unknown))
		for _, u := range r.Unknown {
			fmt.Fprintf(w, "  %s\n", u)
		}
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// FindRepoRoot walks up from dir to the directory holding go.work.
func FindRepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("coverage: no go.work above the current directory")
		}
		dir = parent
	}
}

// ChecklistPath is where the checklist lives relative to the repo root: the
// shared/ directory beside the clone. FASTSIO_CHECKLIST overrides it.
func ChecklistPath(root string) string {
	if p := os.Getenv("FASTSIO_CHECKLIST"); p != "" {
		return p
	}
	return filepath.Join(root, "..", "shared", "spec", "checklist.md")
}
