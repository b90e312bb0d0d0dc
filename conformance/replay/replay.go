package replay

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fastsio/fastsio/conformance/recording"
	"github.com/fastsio/fastsio/engineio/packet"
)

// Options tunes a replay. The zero value (or nil) is ready to use.
type Options struct {
	// Timeout bounds the whole replay of one recording. Default 30s.
	Timeout time.Duration
	// EventTimeout is how long to wait for one expected server event
	// beyond twice its recorded delay before reporting it missing and
	// going on. Default 5s.
	EventTimeout time.Duration
	// Grace is how long to keep watching after the last event for server
	// events the recording does not have. Default 300ms.
	Grace time.Duration
	// NoPace issues client events as soon as their causal predecessors
	// arrived, ignoring the recorded gaps. By default the gap between a
	// client event and the event recorded just before it is kept, so
	// server timers (ping timeout, upgrade noop) see the same silences.
	NoPace bool
	// Spacing is the least time between two client events on different
	// connections, so that the live server receives them in the recorded
	// order even on a loaded machine (two requests the recorded client
	// sent microseconds apart would otherwise race). Default 20ms;
	// negative disables.
	Spacing time.Duration
	// Tolerate maps recorded seqs of server events whose recorded outcome
	// depended on a race the replay cannot reproduce to the reason;
	// mismatches there are reported as accepted. LoadCase fills
	// Case.Tolerate; ReplayCase passes it on.
	Tolerate map[int]string
	// Accept lists deviations a server documents as deliberate (see
	// FastsioDeviations); matching mismatches are reported as accepted.
	Accept []Deviation
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
}

// Deviation describes a known, documented difference from the reference
// that a replay should accept. Empty fields match anything.
type Deviation struct {
	Recording string // "<layer>/<name>"
	Aspect    string // Mismatch.Aspect, e.g. "header sec-websocket-extensions"
	Want, Got string // Mismatch.Want / Mismatch.Got, compared exactly
	// Match, if set, must also accept the mismatch (for values that vary).
	Match  func(Mismatch) bool
	Reason string
}

func (d Deviation) matches(name string, m Mismatch) bool {
	return (d.Recording == "" || d.Recording == name) && (d.Aspect == "" || d.Aspect == m.Aspect) &&
		(d.Want == "" || d.Want == m.Want) && (d.Got == "" || d.Got == m.Got) && (d.Match == nil || d.Match(m))
}

// FastsioDeviations are the differences from engine.io 1.8.3 that
// fastsio's engineio package documents as deliberate (engineio/doc.go,
// "Differences from engine.io 1.8.3").
var FastsioDeviations = []Deviation{
	{
		Aspect: "header sec-websocket-extensions",
		Want:   "permessage-deflate",
		Got:    "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
		Reason: "engineio doc.go: permessage-deflate is negotiated without context takeover, the only mode of the WebSocket library",
	},
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.Timeout <= 0 {
		v.Timeout = 30 * time.Second
	}
	if v.EventTimeout <= 0 {
		v.EventTimeout = 5 * time.Second
	}
	if v.Grace <= 0 {
		v.Grace = 300 * time.Millisecond
	}
	if v.Spacing == 0 {
		v.Spacing = 20 * time.Millisecond
	}
	if v.Logger == nil {
		v.Logger = slog.New(slog.DiscardHandler)
	}
	return v
}

// Mismatch is one difference between what the reference server sent and
// what the live server sent.
type Mismatch struct {
	Seq    int    // recorded seq of the server event (or of the last recorded event on Conn for unexpected ones)
	Conn   int    // recorded connection number
	Event  string // what was expected, e.g. `http_response to GET /engine.io/?...`
	Aspect string // status, header <name>, format, packets, bytes, opcode, compressed, kind, missing, unexpected, error
	// Want and Got summarise the two values for aspects that have one
	// (status, header, format); used to match Deviations.
	Want, Got string
	Diff      string // go-cmp diff (-reference +live) or a sentence
	Reason    string // why it was accepted (Report.Accepted only)
}

func (m Mismatch) String() string {
	s := fmt.Sprintf("seq %d conn %d %s: %s\n%s", m.Seq, m.Conn, m.Event, m.Aspect, indent(m.Diff))
	if m.Reason != "" {
		s += "\n    accepted: " + m.Reason
	}
	return s
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// Report is the outcome of replaying one recording.
type Report struct {
	File       string
	Name       string // "<layer>/<name>"
	Mismatches []Mismatch
	// Accepted are mismatches matched by Options.Tolerate or Options.Accept.
	Accepted []Mismatch
	// Notes are observations that are not mismatches (write errors after
	// a server close, comparisons skipped by a normalisation rule, ...).
	Notes   []string
	SIDs    map[string]string // recorded sid -> live sid
	Elapsed time.Duration
}

// OK reports whether the live server matched the recording.
func (r *Report) OK() bool { return len(r.Mismatches) == 0 }

// Summary is one line: "<name>: ok" or "<name>: N mismatches".
func (r *Report) Summary() string {
	if r.OK() {
		if n := len(r.Accepted); n > 0 {
			return fmt.Sprintf("%s: ok, %d accepted deviation(s) (%s)", r.Name, n, r.Elapsed.Round(time.Millisecond))
		}
		return fmt.Sprintf("%s: ok (%s)", r.Name, r.Elapsed.Round(time.Millisecond))
	}
	first := r.Mismatches[0]
	return fmt.Sprintf("%s: %d mismatches, first at seq %d (%s) (%s)", r.Name, len(r.Mismatches), first.Seq, first.Aspect, r.Elapsed.Round(time.Millisecond))
}

// Details lists every mismatch with its diff, then the notes.
func (r *Report) Details() string {
	var b strings.Builder
	for _, m := range r.Mismatches {
		fmt.Fprintf(&b, "%s %s\n", r.File, m)
	}
	for _, m := range r.Accepted {
		fmt.Fprintf(&b, "%s %s\n", r.File, m)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "%s note: %s\n", r.File, n)
	}
	return b.String()
}

// Replay plays the client side of rec against the server at baseURL
// (http://host:port) and compares what the server sends with what the
// reference server sent. The error is only for unusable arguments; every
// difference on the wire is a Mismatch in the report.
func Replay(ctx context.Context, rec *recording.Recording, baseURL string, opts *Options) (*Report, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("replay: base URL %q: want http://host:port", baseURL)
	}
	o := opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	r := newReplayer(rec, u.Host, o)
	start := time.Now()
	r.run(ctx)
	r.report.Elapsed = time.Since(start)
	return r.report, nil
}

type sentReq struct {
	method string
	url    string // as sent (live sid)
	hdrs   recording.Headers
}

type replayer struct {
	rec  *recording.Recording
	o    Options
	host string

	notifyCh chan struct{}
	conns    map[int]*liveConn

	// Recorded server events (responses, s2c frames, server closes) by conn.
	srvByConn map[int][]recording.Event
	srvIndex  map[int]int // seq -> index in srvByConn[conn]
	reqs      map[int]*recording.HTTPRequest
	sent      map[int]sentReq // req number -> what was sent
	issued    map[int]time.Time

	recOpen map[int]string // seq of a recorded server event -> sid of its open packet
	learned map[int]int    // conn -> live events examined for open packets
	sids    map[string]string
	toLiveR *strings.Replacer
	toRecR  *strings.Replacer
	// lengthNoted: the "sids differ in length" note was written.
	lengthNoted bool
	// deficit counts, per connection, expected server events given up on.
	deficit map[int]int
	// trialBuf collects mismatches during a trial comparison (compare.go).
	trialBuf *[]Mismatch

	report *Report
}

func newReplayer(rec *recording.Recording, host string, o Options) *replayer {
	r := &replayer{
		rec: rec, o: o, host: host,
		notifyCh:  make(chan struct{}, 1),
		conns:     map[int]*liveConn{},
		srvByConn: map[int][]recording.Event{},
		srvIndex:  map[int]int{},
		reqs:      map[int]*recording.HTTPRequest{},
		sent:      map[int]sentReq{},
		issued:    map[int]time.Time{},
		recOpen:   map[int]string{},
		learned:   map[int]int{},
		deficit:   map[int]int{},
		sids:      map[string]string{},
		report:    &Report{File: rec.File, Name: rec.Meta.Layer + "/" + rec.Meta.Name, SIDs: map[string]string{}},
	}
	r.rebuildReplacers()
	for _, ev := range rec.Events {
		if rq, ok := ev.(*recording.HTTPRequest); ok {
			r.reqs[rq.Req] = rq
		}
		if isServerEvent(ev) {
			c := ev.Base().Conn
			r.srvIndex[ev.Base().Seq] = len(r.srvByConn[c])
			r.srvByConn[c] = append(r.srvByConn[c], ev)
		}
	}
	for _, pl := range recording.Extract(rec.Events) {
		if pl.Dir == "s2c" && len(pl.Packets) > 0 {
			if sid := openSID(pl.Packets[0]); sid != "" {
				r.recOpen[pl.Seq] = sid
			}
		}
	}
	return r
}

func isServerEvent(ev recording.Event) bool {
	switch e := ev.(type) {
	case *recording.HTTPResponse:
		return true
	case *recording.WSFrame:
		return e.Dir == "s2c"
	case *recording.TCPClose:
		return e.By == "server"
	}
	return false
}

func (r *replayer) notify() {
	select {
	case r.notifyCh <- struct{}{}:
	default:
	}
}

func (r *replayer) note(format string, args ...any) {
	r.report.Notes = append(r.report.Notes, fmt.Sprintf(format, args...))
}

func (r *replayer) rebuildReplacers() {
	r.toLiveR = replacer(r.sids)
	inv := make(map[string]string, len(r.sids))
	for k, v := range r.sids {
		inv[v] = k
	}
	r.toRecR = replacer(inv)
}

// replacer replaces every key of m by its value, longest keys first so a
// key containing another is replaced whole.
func replacer(m map[string]string) *strings.Replacer {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return len(keys[i]) > len(keys[j]) || len(keys[i]) == len(keys[j]) && keys[i] < keys[j]
	})
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, k, m[k])
	}
	return strings.NewReplacer(pairs...)
}

func (r *replayer) toLive(s string) string { return r.toLiveR.Replace(s) }
func (r *replayer) toRec(s string) string  { return r.toRecR.Replace(s) }

// sidLengthsEqual reports whether byte-level substitution keeps lengths.
func (r *replayer) sidLengthsEqual() bool {
	for k, v := range r.sids {
		if len(k) != len(v) {
			return false
		}
	}
	return true
}

func (r *replayer) run(ctx context.Context) {
	defer func() {
		for _, id := range r.connIDs() {
			r.conns[id].shutdown()
		}
		r.learn()
		r.compare()
	}()
	prevClient := -1
	for k, ev := range r.rec.Events {
		if isServerEvent(ev) {
			continue
		}
		if ctx.Err() != nil {
			r.note("replay deadline (%s) reached before seq %d", r.o.Timeout, k)
			return
		}
		gap := time.Duration(0)
		if prevClient >= 0 {
			gap = msDur(ev.Base().TMs - r.rec.Events[prevClient].Base().TMs)
		}
		r.waitFor(ctx, k, r.o.EventTimeout+2*gap)
		r.learn()
		if !r.o.NoPace {
			r.pace(ctx, k)
		}
		if prevClient >= 0 && r.o.Spacing > 0 && r.rec.Events[prevClient].Base().Conn != ev.Base().Conn {
			sleepCtx(ctx, time.Until(r.issued[prevClient].Add(r.o.Spacing)))
		}
		r.issue(ctx, ev)
		prevClient = k
	}
	last := 0.0
	if n := len(r.rec.Events); n > 0 && prevClient >= 0 {
		last = r.rec.Events[n-1].Base().TMs - r.rec.Events[prevClient].Base().TMs
	}
	r.waitFor(ctx, len(r.rec.Events), r.o.EventTimeout+2*msDur(last))
	r.learn()
	t := time.NewTimer(r.o.Grace)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func msDur(ms float64) time.Duration {
	if ms < 0 {
		return 0
	}
	return time.Duration(ms * float64(time.Millisecond))
}

func (r *replayer) connIDs() []int {
	ids := make([]int, 0, len(r.conns))
	for id := range r.conns {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// countable returns the live events that stand for server events: a close
// that followed our own close is the client's doing and is left out.
func countable(evs []liveEvent) []liveEvent {
	if n := len(evs); n > 0 && evs[n-1].kind == liveClose && evs[n-1].afterClientClose {
		return evs[:n-1]
	}
	return evs
}

// waitFor waits until every server event recorded before seq k has a live
// counterpart (by position on its connection), the connection ended, or
// the timeout passed.
func (r *replayer) waitFor(ctx context.Context, k int, timeout time.Duration) {
	need := map[int]int{}
	for c, evs := range r.srvByConn {
		n := sort.Search(len(evs), func(i int) bool { return evs[i].Base().Seq >= k })
		if n > 0 {
			need[c] = n
		}
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		missing := 0
		for c, n := range need {
			lc := r.conns[c]
			if lc == nil {
				continue // never opened (dial failed, reported)
			}
			evs, done := lc.snapshot()
			if len(countable(evs))+r.deficit[c] < n && !done {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		select {
		case <-r.notifyCh:
		case <-timer.C:
			r.note("before seq %d: gave up waiting for %d connection(s) after %s", k, missing, timeout)
			// Later waits on these connections do not wait again for the
			// events that did not come (they are reported as missing).
			for c, n := range need {
				if lc := r.conns[c]; lc != nil {
					evs, _ := lc.snapshot()
					if have := len(countable(evs)) + r.deficit[c]; have < n {
						r.deficit[c] += n - have
					}
				}
			}
			return
		case <-ctx.Done():
			return
		}
	}
}

// pace keeps the recorded gap between client event k and the latest event
// recorded before it that has happened live.
func (r *replayer) pace(ctx context.Context, k int) {
	tk := r.rec.Events[k].Base().TMs
	for j := k - 1; j >= 0; j-- {
		ev := r.rec.Events[j]
		at, ok := r.liveTime(ev)
		if !ok {
			continue
		}
		sleepCtx(ctx, time.Until(at.Add(msDur(tk-ev.Base().TMs))))
		return
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (r *replayer) liveTime(ev recording.Event) (time.Time, bool) {
	if !isServerEvent(ev) {
		t, ok := r.issued[ev.Base().Seq]
		return t, ok
	}
	lc := r.conns[ev.Base().Conn]
	if lc == nil {
		return time.Time{}, false
	}
	evs, _ := lc.snapshot()
	evs = countable(evs)
	i := r.srvIndex[ev.Base().Seq]
	if i >= len(evs) {
		return time.Time{}, false
	}
	return evs[i].at, true
}

// learn pairs recorded open packets with live ones to learn session ids.
func (r *replayer) learn() {
	changed := false
	for c, lc := range r.conns {
		evs, _ := lc.snapshot()
		evs = countable(evs)
		rs := r.srvByConn[c]
		for i := r.learned[c]; i < len(evs) && i < len(rs); i++ {
			recSID := r.recOpen[rs[i].Base().Seq]
			if recSID == "" {
				continue
			}
			if _, known := r.sids[recSID]; known {
				continue
			}
			if live := r.liveOpenSID(rs[i], evs[i]); live != "" {
				r.sids[recSID] = live
				r.report.SIDs[recSID] = live
				changed = true
			}
		}
		r.learned[c] = min(len(evs), len(rs))
	}
	if changed {
		r.rebuildReplacers()
		if !r.sidLengthsEqual() && !r.lengthNoted {
			r.lengthNoted = true
			r.note("live session ids differ in length from the recorded ones: byte comparisons of bodies are skipped")
		}
	}
}

func (r *replayer) liveOpenSID(recEv recording.Event, ev liveEvent) string {
	var pls []recording.Payload
	switch e := recEv.(type) {
	case *recording.HTTPResponse:
		if ev.kind != liveResponse {
			return ""
		}
		sr, ok := r.sent[e.Req]
		if !ok {
			return ""
		}
		pls = recording.Extract([]recording.Event{
			&recording.HTTPRequest{Method: sr.method, URL: sr.url, Headers: sr.hdrs},
			&recording.HTTPResponse{Status: ev.status, Headers: ev.headers, Body: ev.body},
		})
	case *recording.WSFrame:
		if ev.kind != liveFrame {
			return ""
		}
		pls = recording.Extract([]recording.Event{&recording.WSFrame{Dir: "s2c", Opcode: ev.opcode, Data: ev.data}})
	}
	if pl := onePayload(pls); pl != nil && len(pl.Packets) > 0 {
		return openSID(pl.Packets[0])
	}
	return ""
}

func (r *replayer) conn(ctx context.Context, id int, seq int) *liveConn {
	if lc := r.conns[id]; lc != nil {
		return lc
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", r.host)
	if err != nil {
		r.report.Mismatches = append(r.report.Mismatches, Mismatch{Seq: seq, Conn: id, Event: "connect", Aspect: "error", Diff: err.Error()})
		return nil
	}
	lc := newLiveConn(id, nc, r.notify)
	r.conns[id] = lc
	return lc
}

func (r *replayer) issue(ctx context.Context, ev recording.Event) {
	seq, id := ev.Base().Seq, ev.Base().Conn
	r.issued[seq] = time.Now()
	switch e := ev.(type) {
	case *recording.HTTPRequest:
		lc := r.conn(ctx, id, seq)
		if lc == nil {
			return
		}
		if _, done := lc.snapshot(); done {
			r.note("seq %d: request on connection %d that the server already closed", seq, id)
		}
		target := r.toLive(e.URL)
		body := []byte(r.toLive(string(e.Body)))
		if len(body) != len(e.Body) {
			r.note("seq %d: sid substitution changed the request body length; string payload lengths may be off", seq)
		}
		hdrs := make(recording.Headers, 0, len(e.Headers))
		for _, h := range e.Headers {
			switch strings.ToLower(h[0]) {
			case "host":
				h[1] = r.host
			case "content-length":
				if len(body) != len(e.Body) {
					h[1] = strconv.Itoa(len(body))
				}
			default:
				h[1] = r.toLive(h[1])
			}
			hdrs = append(hdrs, h)
		}
		r.sent[e.Req] = sentReq{method: e.Method, url: target, hdrs: hdrs}
		if err := lc.writeRequest(e.Method, target, hdrs, body); err != nil {
			r.note("seq %d: writing the request failed: %v", seq, err)
		}
	case *recording.WSFrame:
		lc := r.conns[id]
		if lc == nil {
			r.note("seq %d: frame on connection %d that was never opened", seq, id)
			return
		}
		data := e.Data
		if e.Opcode == 1 {
			data = []byte(r.toLive(string(data)))
		}
		if err := lc.writeFrame(e.Opcode, data, e.Compressed); err != nil {
			r.note("seq %d: writing the frame failed: %v", seq, err)
		}
	case *recording.TCPClose:
		if lc := r.conns[id]; lc != nil {
			lc.closeWrite()
		}
	}
}

// openSID returns the sid of an engine.io open packet, or "".
func openSID(p packet.Packet) string {
	if p.Type != packet.Open || p.Binary {
		return ""
	}
	var v struct {
		SID string `json:"sid"`
	}
	if json.Unmarshal(p.Data, &v) != nil {
		return ""
	}
	return v.SID
}
