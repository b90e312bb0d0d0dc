package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Server labels the report knows how to compare.
const (
	labelFastsio = "fastsio"
	labelNode    = "node"
	labelBare    = "bare"
)

// headline metrics per scenario, in table order; a trailing "@" matches
// every step suffix (connect's rss_per_conn@1000, @5000, ...).
var headline = map[string][]string{
	"connect": {"connects_per_s", "rss_per_conn@", "heap_per_conn@", "hold_rss_growth"},
	"echo":    {"rt_per_s", "p50_ms", "p99_ms", "max_ms"},
	"fanout":  {"deliveries_per_s", "last_delivery_ms"},
	"polling": {"rt_per_s", "p50_ms", "p99_ms"},
	"churn":   {"cycles_per_s", "sockets_leftover", "rss_growth"},
}

var scenarioOrder = []string{"connect", "echo", "fanout", "polling", "churn"}

type figure struct {
	scenario, kase, metric string
}

// runReport reads result JSON lines (other lines are ignored, so a whole
// bench log can be fed in) and prints a markdown table of medians.
func runReport(o *options) error {
	var in io.Reader = os.Stdin
	if o.in != "-" {
		f, err := os.Open(o.in)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	results, err := readResults(in)
	if err != nil {
		return err
	}
	return writeReport(o.out, results)
}

func readResults(in io.Reader) ([]Result, error) {
	var out []Result
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<16), 1<<22)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if !strings.HasPrefix(string(b), `{"type":"result"`) {
			continue
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

func writeReport(w io.Writer, results []Result) error {
	values := map[figure]map[string][]float64{}
	errs := map[string]int64{} // "server scenario case" -> errors
	runs := map[string]int{}
	var figs []figure
	for _, r := range results {
		key := r.Server + "|" + r.Scenario + " " + r.Case
		errs[key] += r.Errors
		runs[key]++
		for _, m := range selectMetrics(r) {
			f := figure{r.Scenario, r.Case, m}
			if values[f] == nil {
				values[f] = map[string][]float64{}
				figs = append(figs, f)
			}
			values[f][r.Server] = append(values[f][r.Server], r.Metrics[m])
		}
	}
	rank := func(f figure) (int, int) {
		si := len(scenarioOrder)
		for i, s := range scenarioOrder {
			if s == f.scenario {
				si = i
			}
		}
		mi := len(headline[f.scenario])
		for i, h := range headline[f.scenario] {
			if h == f.metric || strings.HasSuffix(h, "@") && strings.HasPrefix(f.metric, h) {
				mi = i
				break
			}
		}
		return si, mi
	}
	sort.SliceStable(figs, func(i, j int) bool {
		a1, b1 := rank(figs[i])
		a2, b2 := rank(figs[j])
		if a1 != a2 {
			return a1 < a2
		}
		if figs[i].kase != figs[j].kase {
			return caseLess(figs[i].kase, figs[j].kase)
		}
		if b1 != b2 {
			return b1 < b2
		}
		return stepOf(figs[i].metric) < stepOf(figs[j].metric)
	})
	fmt.Fprintln(w, "| scenario | case | figure | fastsio | socket.io 1.7.3 (Node) | fastsio / Node | bare ceiling | fastsio / bare |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|")
	for _, f := range figs {
		v := values[f]
		fs, okF := median(v[labelFastsio])
		nd, okN := median(v[labelNode])
		br, okB := median(v[labelBare])
		cell := func(x float64, ok bool) string {
			if !ok {
				return "–"
			}
			return formatMetric(f.metric, x)
		}
		ratio := func(a float64, okA bool, b float64, okB bool) string {
			if !okA || !okB || b == 0 {
				return "–"
			}
			return strconv.FormatFloat(a/b, 'f', 2, 64) + "×"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", f.scenario, f.kase, metricTitle(f.metric),
			cell(fs, okF), cell(nd, okN), ratio(fs, okF, nd, okN), cell(br, okB), ratio(fs, okF, br, okB))
	}
	var keys []string
	for k := range runs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var notes []string
	for _, k := range keys {
		if errs[k] > 0 {
			server, rest, _ := strings.Cut(k, "|")
			notes = append(notes, fmt.Sprintf("%s %s: %d errors over %d runs", server, rest, errs[k], runs[k]))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Errors reported by the load generator (figures of those runs are suspect):")
		for _, n := range notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
	return nil
}

func selectMetrics(r Result) []string {
	var out []string
	for _, h := range headline[r.Scenario] {
		if strings.HasSuffix(h, "@") {
			var steps []string
			for m := range r.Metrics {
				if strings.HasPrefix(m, h) {
					steps = append(steps, m)
				}
			}
			sort.Slice(steps, func(i, j int) bool { return stepOf(steps[i]) < stepOf(steps[j]) })
			out = append(out, steps...)
			continue
		}
		if _, ok := r.Metrics[h]; ok {
			out = append(out, h)
		}
	}
	return out
}

func stepOf(metric string) int {
	_, s, ok := strings.Cut(metric, "@")
	if !ok {
		return -1
	}
	n, _ := strconv.Atoi(s)
	return n
}

// caseLess orders cases by their numbers (n=1000 before n=10000).
func caseLess(a, b string) bool {
	fa, fb := strings.Fields(a), strings.Fields(b)
	for i := 0; i < len(fa) && i < len(fb); i++ {
		if fa[i] == fb[i] {
			continue
		}
		na, ea := leadingNumber(fa[i])
		nb, eb := leadingNumber(fb[i])
		if ea && eb && na != nb {
			return na < nb
		}
		return fa[i] < fb[i]
	}
	return len(fa) < len(fb)
}

func leadingNumber(kv string) (int, bool) {
	_, v, _ := strings.Cut(kv, "=")
	end := 0
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(v[:end])
	return n, err == nil
}

func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

func metricTitle(m string) string {
	base, step, hasStep := strings.Cut(m, "@")
	t := map[string]string{
		"connects_per_s":   "connects/s",
		"rss_per_conn":     "RSS per idle ws connection",
		"heap_per_conn":    "heap per idle ws connection",
		"hold_rss_growth":  "RSS growth while holding",
		"rt_per_s":         "round trips/s",
		"p50_ms":           "latency p50",
		"p99_ms":           "latency p99",
		"max_ms":           "latency max",
		"deliveries_per_s": "deliveries/s",
		"last_delivery_ms": "time to last delivery",
		"cycles_per_s":     "connect+disconnect/s",
		"sockets_leftover": "sockets left after churn",
		"rss_growth":       "RSS growth after churn",
	}[base]
	if t == "" {
		t = base
	}
	if hasStep {
		t += " at " + step
	}
	return t
}

func formatMetric(m string, v float64) string {
	base, _, _ := strings.Cut(m, "@")
	switch {
	case strings.HasSuffix(base, "_per_s"):
		if math.Abs(v) >= 1e4 {
			return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k"
		}
		return strconv.FormatFloat(v, 'f', 0, 64)
	case strings.HasSuffix(base, "_ms"):
		if v >= 100 {
			return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
		}
		return strconv.FormatFloat(v, 'f', 2, 64) + " ms"
	case strings.HasPrefix(base, "rss") || strings.HasPrefix(base, "heap") || strings.HasSuffix(base, "rss_growth"):
		return fmtBytes(v)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}
