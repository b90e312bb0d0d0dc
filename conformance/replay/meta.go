package replay

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fastsio/fastsio/conformance/recording"
)

// Case is a recording plus the meta fields the recording package does not
// model: the server environment it was recorded with, the checklist IDs it
// covers, and whether it can be replayed faithfully at all.
type Case struct {
	Rec *recording.Recording
	// Env is the recorded server_env ("PING_INTERVAL=300 ..."), parsed.
	// A server must be started with it for the replay to be meaningful.
	Env map[string]string
	// Covers lists checklist IDs from the meta "covers" field.
	Covers []string
	// Skip is non-empty when the recording cannot be replayed faithfully;
	// it says why (from the meta "replay_skip" field or the built-in list).
	Skip string
	// Tolerate holds the racy server events of the recording (seq ->
	// reason); see Options.Tolerate.
	Tolerate map[int]string
	// Stale lists built-in race entries that no longer fit the file.
	Stale []string
}

// ReplayCase is Replay with the case's tolerated races added to opts.
func ReplayCase(ctx context.Context, c *Case, baseURL string, opts *Options) (*Report, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	tol := map[int]string{}
	for k, v := range o.Tolerate {
		tol[k] = v
	}
	for k, v := range c.Tolerate {
		tol[k] = v
	}
	o.Tolerate = tol
	rep, err := Replay(ctx, c.Rec, baseURL, &o)
	if rep != nil {
		rep.Notes = append(rep.Notes, c.Stale...)
	}
	return rep, err
}

// Name is "<layer>/<name>", the key of the skip list.
func (c *Case) Name() string { return c.Rec.Meta.Layer + "/" + c.Rec.Meta.Name }

// EnvList returns Env as sorted KEY=value strings (for exec.Cmd.Env).
func (c *Case) EnvList() []string {
	var out []string
	for k, v := range c.Env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// skipList names recordings whose outcome depends on timing the replay
// cannot reproduce. Keys are "<layer>/<name>".
var skipList = map[string]string{
	"socketio/volatile-websocket": "volatile emits are dropped while the WebSocket is busy writing; " +
		"how many of a burst arrive depends on when the reference's socket writes completed, not on protocol rules",
}

// race is a recorded server event whose outcome depended on the order in
// which the reference processed requests the client sent at practically
// the same moment on different connections. match must occur in the
// recorded event's body, so a re-recorded file with other seqs makes the
// entry stale (reported as a note) instead of tolerating the wrong event.
type race struct {
	seq    int
	match  string
	reason string
}

var races = map[string][]race{
	"engineio/polling-large": {{
		seq: 19, match: "Session ID unknown",
		reason: "engine.io-client sends its next poll GET and the close POST 0.06 ms apart on two connections; " +
			"the reference happened to process the POST first (GET answered 400), a server that sees the GET " +
			"first answers it with a noop",
	}},
}

// SkipList returns a copy of the built-in skip list.
func SkipList() map[string]string {
	m := make(map[string]string, len(skipList))
	for k, v := range skipList {
		m[k] = v
	}
	return m
}

// LoadCase reads a recording file and its extra meta fields.
func LoadCase(path string) (*Case, error) {
	rec, err := recording.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), recording.MaxLine)
	var extra struct {
		ServerEnv  string `json:"server_env"`
		Covers     string `json:"covers"`
		ReplaySkip string `json:"replay_skip"`
	}
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		if err := json.Unmarshal(sc.Bytes(), &extra); err != nil {
			return nil, fmt.Errorf("replay: %s: meta: %w", path, err)
		}
		break
	}
	c := &Case{Rec: rec, Env: map[string]string{}}
	for _, kv := range strings.Fields(extra.ServerEnv) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("replay: %s: server_env entry %q is not KEY=value", path, kv)
		}
		c.Env[k] = v
	}
	c.Covers = strings.Fields(strings.ReplaceAll(extra.Covers, ",", " "))
	c.Skip = extra.ReplaySkip
	if c.Skip == "" {
		c.Skip = skipList[c.Name()]
	}
	c.Tolerate = map[int]string{}
	for _, rc := range races[c.Name()] {
		if rc.seq < len(rec.Events) {
			if resp, ok := rec.Events[rc.seq].(*recording.HTTPResponse); ok && strings.Contains(string(resp.Body), rc.match) {
				c.Tolerate[rc.seq] = rc.reason
				continue
			}
		}
		c.Stale = append(c.Stale, fmt.Sprintf("stale race entry for seq %d (%q not in that event): re-check the replay race list", rc.seq, rc.match))
	}
	return c, nil
}

// Glob returns the recordings of one layer under dir (a testdata directory
// holding engineio/ and socketio/), sorted; layer "" means all.
func Glob(dir, layer string) ([]string, error) {
	pattern := filepath.Join(dir, "*", "*.jsonl")
	if layer != "" {
		pattern = filepath.Join(dir, layer, "*.jsonl")
	}
	files, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	sort.Strings(files)
	return files, nil
}
