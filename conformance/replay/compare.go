package replay

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/fastsio/fastsio/conformance/recording"
	"github.com/fastsio/fastsio/engineio/packet"
)

// ignoredHeaders are transport details that legitimately differ between
// HTTP stacks (rule H1 in doc.go).
var ignoredHeaders = map[string]bool{
	"date": true, "connection": true, "keep-alive": true, "transfer-encoding": true, "server": true,
}

func (r *replayer) mismatch(ev recording.Event, aspect, diff string) {
	r.mismatchWG(ev, aspect, "", "", diff)
}

func (r *replayer) mismatchWG(ev recording.Event, aspect, want, got, diff string) {
	r.add(Mismatch{
		Seq: ev.Base().Seq, Conn: ev.Base().Conn, Event: r.describe(ev), Aspect: aspect, Want: want, Got: got, Diff: diff,
	})
}

// add files a mismatch as tolerated (Options.Tolerate), accepted
// (Options.Accept) or real; during a trial comparison it only collects.
func (r *replayer) add(m Mismatch) {
	if r.trialBuf != nil {
		*r.trialBuf = append(*r.trialBuf, m)
		return
	}
	m, accepted := r.classify(m)
	if accepted {
		r.report.Accepted = append(r.report.Accepted, m)
	} else {
		r.report.Mismatches = append(r.report.Mismatches, m)
	}
}

func (r *replayer) classify(m Mismatch) (Mismatch, bool) {
	if why, ok := r.o.Tolerate[m.Seq]; ok {
		m.Reason = "tolerated: " + why
		return m, true
	}
	for _, d := range r.o.Accept {
		if d.matches(r.report.Name, m) {
			m.Reason = d.Reason
			return m, true
		}
	}
	return m, false
}

// trial compares a pair without filing anything; ok reports whether every
// difference would be accepted.
func (r *replayer) trial(rev recording.Event, lev liveEvent) (ms []Mismatch, normalised int, ok bool) {
	buf := []Mismatch{}
	r.trialBuf = &buf
	normalised = r.compareOne(rev, lev)
	r.trialBuf = nil
	ok = true
	for _, m := range buf {
		if _, acc := r.classify(m); !acc {
			ok = false
		}
	}
	return buf, normalised, ok
}

// resyncable: only WebSocket frames can be extra or missing without
// shifting request/response pairs.
func resyncable(rev recording.Event, lev liveEvent) bool {
	_, isFrame := rev.(*recording.WSFrame)
	return isFrame && lev.kind == liveFrame
}

func (r *replayer) describe(ev recording.Event) string {
	switch e := ev.(type) {
	case *recording.HTTPResponse:
		if rq := r.reqs[e.Req]; rq != nil {
			return fmt.Sprintf("http_response to %s %s", rq.Method, shorten(rq.URL, 100))
		}
		return "http_response"
	case *recording.WSFrame:
		return fmt.Sprintf("ws_frame %s opcode %d", e.Dir, e.Opcode)
	case *recording.TCPClose:
		return "tcp_close by " + e.By
	}
	return ev.Kind()
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// compare pairs recorded server events with live ones, connection by
// connection, in order.
func (r *replayer) compare() {
	ids := map[int]bool{}
	for id := range r.srvByConn {
		ids[id] = true
	}
	for id := range r.conns {
		ids[id] = true
	}
	clientClosed := map[int]bool{}
	wsClosed := map[int]bool{}
	lastSeq := map[int]int{}
	for _, ev := range r.rec.Events {
		lastSeq[ev.Base().Conn] = ev.Base().Seq
		if c, ok := ev.(*recording.TCPClose); ok && c.By == "client" {
			clientClosed[c.Conn] = true
		}
		if f, ok := ev.(*recording.WSFrame); ok && f.Opcode == 8 {
			wsClosed[f.Conn] = true
		}
	}
	sorted := make([]int, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Ints(sorted)
	normalised := 0
	for _, id := range sorted {
		rs := r.srvByConn[id]
		var ls []liveEvent
		if lc := r.conns[id]; lc != nil {
			ls, _ = lc.snapshot()
		} else if len(rs) > 0 {
			continue // the connect failure is already reported
		}
		li := 0
		for i := 0; i < len(rs); i++ {
			rev := rs[i]
			if li >= len(ls) || ls[li].kind == liveClose && ls[li].afterClientClose {
				r.mismatch(rev, "missing", "the live server did not send this event (before the replay ended)")
				continue
			}
			lev := ls[li]
			_, recClose := rev.(*recording.TCPClose)
			if lev.kind == liveClose && !recClose {
				why := "the live server closed the connection instead"
				if lev.err != nil {
					why += " (" + lev.err.Error() + ")"
				}
				if rest := len(rs) - i - 1; rest > 0 {
					why += fmt.Sprintf("; %d later event(s) on this connection are missing too", rest)
				}
				r.mismatch(rev, "missing", why)
				li = len(ls)
				break
			}
			if want := kindOf(rev); want != lev.kind {
				r.mismatch(rev, "kind", fmt.Sprintf("live server sent a %s instead", describeLive(lev)))
				li++
				continue
			}
			ms, norm, ok := r.trial(rev, lev)
			if !ok && resyncable(rev, lev) {
				// One extra live frame, or one missing recorded frame, should
				// not shift every later pair on the connection.
				if li+1 < len(ls) && ls[li+1].kind == liveFrame {
					if _, n2, ok2 := r.trial(rev, ls[li+1]); ok2 {
						r.add(Mismatch{Seq: rev.Base().Seq, Conn: id, Event: "before " + r.describe(rev), Aspect: "unexpected",
							Diff: "live server sent a " + describeLive(lev) + " the reference did not"})
						normalised += n2
						li += 2
						continue
					}
				}
				if i+1 < len(rs) {
					if next, isFrame := rs[i+1].(*recording.WSFrame); isFrame {
						if _, _, ok2 := r.trial(next, lev); ok2 {
							r.mismatch(rev, "missing", "the live server did not send this frame (the next one matches)")
							continue
						}
					}
				}
			}
			for _, m := range ms {
				r.add(m)
			}
			normalised += norm
			li++
		}
		for _, lev := range ls[li:] {
			if lev.kind == liveClose && (lev.afterClientClose || clientClosed[id] || wsClosed[id]) {
				// Rule C1: either side may close first after "Connection:
				// close"; after a WebSocket close handshake the server
				// closes TCP (RFC 6455 7.1.1) even if the recording
				// stopped before that.
				continue
			}
			r.add(Mismatch{
				Seq: lastSeq[id], Conn: id, Event: "after the last recorded event on this connection",
				Aspect: "unexpected", Diff: "live server sent a " + describeLive(lev) + " the reference did not",
			})
		}
	}
	sort.SliceStable(r.report.Mismatches, func(i, j int) bool { return r.report.Mismatches[i].Seq < r.report.Mismatches[j].Seq })
	sort.SliceStable(r.report.Accepted, func(i, j int) bool { return r.report.Accepted[i].Seq < r.report.Accepted[j].Seq })
	if normalised > 0 {
		r.note("%d payload(s) had values rewritten by a normalisation rule and were compared at packet level only", normalised)
	}
}

func kindOf(ev recording.Event) liveKind {
	switch ev.(type) {
	case *recording.HTTPResponse:
		return liveResponse
	case *recording.WSFrame:
		return liveFrame
	}
	return liveClose
}

func describeLive(ev liveEvent) string {
	switch ev.kind {
	case liveResponse:
		return fmt.Sprintf("http_response (status %d, body %s)", ev.status, quoteShort(ev.body, 80))
	case liveFrame:
		return fmt.Sprintf("ws_frame (opcode %d, data %s)", ev.opcode, quoteShort(ev.data, 80))
	}
	if ev.err != nil {
		return "tcp_close (" + ev.err.Error() + ")"
	}
	return "tcp_close"
}

func quoteShort(b []byte, n int) string {
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + fmt.Sprintf("…(%d bytes)", len(b))
	}
	return strconv.Quote(string(b))
}

// compareOne compares two events of the same kind; it returns 1 when a
// normalisation rule rewrote a payload (so bytes were not compared).
func (r *replayer) compareOne(rev recording.Event, lev liveEvent) int {
	if lev.err != nil && lev.kind != liveClose {
		r.mismatch(rev, "error", "reading the live event failed: "+lev.err.Error())
	}
	switch e := rev.(type) {
	case *recording.HTTPResponse:
		if e.Status != lev.status {
			r.mismatchWG(rev, "status", strconv.Itoa(e.Status), strconv.Itoa(lev.status), cmp.Diff(e.Status, lev.status))
		}
		rq := r.reqs[e.Req]
		sr := r.sent[e.Req]
		recWire, recErr := recording.Decompress(e.Body, e.Headers.Get("Content-Encoding"))
		liveWire, liveErr := recording.Decompress(lev.body, lev.headers.Get("Content-Encoding"))
		if liveErr != nil {
			r.mismatch(rev, "bytes", "live body: "+liveErr.Error())
			return 0
		}
		if recErr != nil {
			r.mismatch(rev, "bytes", "recorded body: "+recErr.Error())
			return 0
		}
		recPL := onePayload(recording.Extract([]recording.Event{
			&recording.HTTPRequest{Method: rq.Method, URL: rq.URL, Headers: rq.Headers},
			&recording.HTTPResponse{Status: e.Status, Headers: withoutEncoding(e.Headers), Body: recWire},
		}))
		livePL := onePayload(recording.Extract([]recording.Event{
			&recording.HTTPRequest{Method: sr.method, URL: sr.url, Headers: sr.hdrs},
			&recording.HTTPResponse{Status: lev.status, Headers: withoutEncoding(lev.headers), Body: liveWire},
		}))
		// Rule B2: a JSONP session without b64 gets a JSON-serialised Node
		// Buffer, which spells the sid as decimal byte values: compare the
		// unwrapped binary payload instead, and no Content-Length.
		buffer := recPL != nil && recPL.Format == recording.JSONPBuffer || livePL != nil && livePL.Format == recording.JSONPBuffer
		r.compareHeaders(rev, e.Headers, lev.headers, buffer)
		if buffer && recPL != nil && livePL != nil {
			return r.compareBodies(rev, recPL.Body, livePL.Body, recPL, livePL)
		}
		return r.compareBodies(rev, recWire, liveWire, recPL, livePL)
	case *recording.WSFrame:
		if e.Opcode != lev.opcode {
			r.mismatch(rev, "opcode", cmp.Diff(e.Opcode, lev.opcode))
		}
		if e.Opcode < 8 && e.Compressed != lev.compressed {
			r.mismatch(rev, "compressed", "permessage-deflate use differs: "+cmp.Diff(e.Compressed, lev.compressed))
		}
		var recPL, livePL *recording.Payload
		if e.Opcode == 1 || e.Opcode == 2 {
			recPL = onePayload(recording.Extract([]recording.Event{&recording.WSFrame{Dir: "s2c", Opcode: e.Opcode, Data: e.Data}}))
		}
		if lev.opcode == 1 || lev.opcode == 2 {
			livePL = onePayload(recording.Extract([]recording.Event{&recording.WSFrame{Dir: "s2c", Opcode: lev.opcode, Data: lev.data}}))
		}
		return r.compareBodies(rev, e.Data, lev.data, recPL, livePL)
	}
	return 0
}

// onePayload returns the server's payload among pls (Extract also yields
// the request body of a POST, which is the client's).
func onePayload(pls []recording.Payload) *recording.Payload {
	for i := range pls {
		if pls[i].Dir == "s2c" {
			return &pls[i]
		}
	}
	return nil
}

func withoutEncoding(h recording.Headers) recording.Headers {
	out := make(recording.Headers, 0, len(h))
	for _, kv := range h {
		if !strings.EqualFold(kv[0], "Content-Encoding") {
			out = append(out, kv)
		}
	}
	return out
}

// compareHeaders applies rules H1..H3 (doc.go) and diffs the rest.
func (r *replayer) compareHeaders(rev recording.Event, rec, live recording.Headers, noLength bool) {
	want := headerMap(rec, func(s string) string { return s })
	got := headerMap(live, r.toRec)
	if _, ok := want["content-length"]; !ok {
		delete(got, "content-length") // H2: chunked vs Content-Length framing
	}
	if noLength || want["content-encoding"] != nil || got["content-encoding"] != nil || !r.sidLengthsEqual() {
		// H3: compressed sizes depend on the compressor; the live value
		// framed the body we read, so it is consistent by construction.
		delete(want, "content-length")
		delete(got, "content-length")
	}
	names := map[string]bool{}
	for k := range want {
		names[k] = true
	}
	for k := range got {
		names[k] = true
	}
	sorted := make([]string, 0, len(names))
	for k := range names {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if d := cmp.Diff(want[k], got[k]); d != "" {
			r.mismatchWG(rev, "header "+k, strings.Join(want[k], "\n"), strings.Join(got[k], "\n"), d)
		}
	}
}

func headerMap(h recording.Headers, sub func(string) string) map[string][]string {
	m := map[string][]string{}
	for _, kv := range h {
		k := strings.ToLower(kv[0])
		if ignoredHeaders[k] {
			continue
		}
		m[k] = append(m[k], sub(kv[1]))
	}
	return m
}

// pktView is an engine.io packet as compared and shown in diffs.
type pktView struct {
	Type   string
	Binary bool   `json:",omitempty"`
	Data   string // text as is; binary as hex
	Absent bool   `json:",omitempty"` // packet without data
}

// compareBodies compares payload packets (normalised) and wire bytes
// (sids substituted). It returns 1 when a normalisation rule was applied.
func (r *replayer) compareBodies(rev recording.Event, recWire, liveWire []byte, recPL, livePL *recording.Payload) int {
	liveSub := []byte(r.toRec(string(liveWire)))
	applied := false
	if recPL != nil || livePL != nil {
		if recPL != nil && livePL != nil && recPL.Format != livePL.Format {
			r.mismatchWG(rev, "format", string(recPL.Format), string(livePL.Format),
				cmp.Diff(string(recPL.Format), string(livePL.Format)))
		}
		rv, ra := r.views(recPL, false)
		lv, la := r.views(livePL, true)
		applied = ra || la
		if !cmp.Equal(rv, lv) {
			r.mismatchWG(rev, "packets", viewsText(rv), viewsText(lv), cmp.Diff(shortViews(rv), shortViews(lv)))
			return b2i(applied)
		}
		if recPL != nil && livePL != nil && recPL.Format != livePL.Format {
			return b2i(applied) // bytes differ by construction; "format" says why
		}
	}
	if applied {
		return 1
	}
	if !r.sidLengthsEqual() {
		return 0
	}
	if string(recWire) != string(liveSub) {
		aspect := "bytes"
		if recPL != nil {
			aspect = "bytes (packets equal)"
		}
		r.mismatch(rev, aspect, cmp.Diff(shortBytes(recWire), shortBytes(liveSub)))
	}
	return 0
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// views turns a payload into comparable packets, live sids replaced by the
// recorded ones and the socket.io rules applied; applied reports whether a
// rule rewrote anything.
func (r *replayer) views(pl *recording.Payload, live bool) (vs []pktView, applied bool) {
	if pl == nil {
		return []pktView{{Type: "(not an engine.io payload)"}}, false
	}
	vs = []pktView{}
	for _, p := range pl.Packets {
		v := pktView{Type: p.Type.String(), Binary: p.Binary, Absent: p.Data == nil}
		if p.Binary {
			v.Data = hex.EncodeToString(p.Data)
		} else {
			v.Data = string(p.Data)
			if live {
				v.Data = r.toRec(v.Data)
			}
			if p.Type == packet.Message && r.rec.Meta.Layer == "socketio" {
				var ok bool
				v.Data, ok = r.normaliseSIO(v.Data)
				applied = applied || ok
			}
		}
		vs = append(vs, v)
	}
	if pl.Err != nil {
		vs = append(vs, pktView{Type: "decode error", Data: pl.Err.Error()})
	}
	return vs, applied
}

// viewsText is the Want/Got form of a packet list: one line per packet,
// "<type>[ binary][ absent] <data>".
func viewsText(vs []pktView) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(v.Type)
		if v.Binary {
			b.WriteString(" binary")
		}
		if v.Absent {
			b.WriteString(" absent")
		}
		b.WriteString(" " + v.Data)
	}
	return b.String()
}

// Socket.io normalisation rules (S1..S3 in doc.go).
var (
	reRSS     = regexp.MustCompile(`"rss":-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?`)
	reMetrics = regexp.MustCompile(`"rss":"<rss>"(?:,"(?:heap|goroutines)":-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)+`)
	reIssued  = regexp.MustCompile(`"issued":-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?`)
	reTime    = regexp.MustCompile(`"time":"(?:[^"\\]|\\.)*"`)
	reAddress = regexp.MustCompile(`"address":"(?:[^"\\]|\\.)*"`)
	reStrArr  = regexp.MustCompile(`\[(?:"(?:[^"\\]|\\.)*"(?:,"(?:[^"\\]|\\.)*")*)\]`)
	reStrElem = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
)

func (r *replayer) normaliseSIO(s string) (string, bool) {
	out := reRSS.ReplaceAllString(s, `"rss":"<rss>"`)
	out = reMetrics.ReplaceAllString(out, `"rss":"<rss>"`)
	out = reIssued.ReplaceAllString(out, `"issued":"<issued>"`)
	out = reTime.ReplaceAllString(out, `"time":"<time>"`)
	out = reAddress.ReplaceAllString(out, `"address":"<address>"`)
	if len(r.sids) > 0 {
		out = reStrArr.ReplaceAllStringFunc(out, func(arr string) string {
			if !r.mentionsSID(arr) {
				return arr
			}
			elems := reStrElem.FindAllString(arr, -1)
			key := func(e string) string {
				var v string
				if json.Unmarshal([]byte(e), &v) != nil {
					return e
				}
				return v
			}
			sort.SliceStable(elems, func(i, j int) bool { return key(elems[i]) < key(elems[j]) })
			return "[" + strings.Join(elems, ",") + "]"
		})
	}
	return out, out != s
}

func (r *replayer) mentionsSID(s string) bool {
	for k := range r.sids {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

// shortViews shortens long packet data for display; equal prefixes and
// suffixes with different hashes still show where a long packet differs.
func shortViews(vs []pktView) []pktView {
	out := make([]pktView, len(vs))
	for i, v := range vs {
		if len(v.Data) > 600 {
			sum := sha256.Sum256([]byte(v.Data))
			v.Data = fmt.Sprintf("%s…(%d bytes, sha256 %x)…%s", v.Data[:400], len(v.Data), sum[:6], v.Data[len(v.Data)-100:])
		}
		out[i] = v
	}
	return out
}

func shortBytes(b []byte) string {
	if len(b) > 600 {
		sum := sha256.Sum256(b)
		return fmt.Sprintf("%q…(%d bytes, sha256 %x)…%q", b[:400], len(b), sum[:6], b[len(b)-100:])
	}
	return strconv.Quote(string(b))
}
