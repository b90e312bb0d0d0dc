package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sync"
	"time"
)

// recorder serialises events from every connection into one JSON-lines
// stream. seq and t_ms are assigned under one lock, so seq order is the order
// in which the proxy saw complete messages (each is recorded before it is
// forwarded, so a reply is always recorded after what caused it).
type recorder struct {
	mu     sync.Mutex
	w      io.Writer
	start  time.Time
	seq    int
	req    int
	conn   int
	closed bool
	err    error // first write error; later events are dropped
}

func newRecorder(w io.Writer, start time.Time) *recorder {
	return &recorder{w: w, start: start}
}

// metaField is one key of the meta line, kept in order.
type metaField struct{ key, value string }

// writeMeta writes the first line. Keys appear in the given order.
func (r *recorder) writeMeta(fields []metaField) error {
	var b bytes.Buffer
	b.WriteString(`{"kind":"meta"`)
	for _, f := range fields {
		b.WriteByte(',')
		b.Write(jsonString(f.key))
		b.WriteByte(':')
		b.Write(jsonString(f.value))
	}
	b.WriteString("}\n")
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err := r.w.Write(b.Bytes())
	return err
}

func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func (r *recorder) newConn() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.conn
	r.conn++
	return n
}

func (r *recorder) newReq() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.req
	r.req++
	return n
}

// stop makes every later event a no-op (used at shutdown so connections torn
// down by the recorder itself are not recorded as peer closes).
func (r *recorder) stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return r.err
}

// Event payloads. Field order is the JSON key order.
type httpRequestEvent struct {
	Kind    string      `json:"kind"`
	Seq     int         `json:"seq"`
	TMs     float64     `json:"t_ms"`
	Conn    int         `json:"conn"`
	Req     int         `json:"req"`
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Proto   string      `json:"proto"`
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

type httpResponseEvent struct {
	Kind    string      `json:"kind"`
	Seq     int         `json:"seq"`
	TMs     float64     `json:"t_ms"`
	Conn    int         `json:"conn"`
	Req     int         `json:"req"`
	Status  int         `json:"status"`
	Reason  string      `json:"reason"`
	Proto   string      `json:"proto"`
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

type wsFrameEvent struct {
	Kind       string  `json:"kind"`
	Seq        int     `json:"seq"`
	TMs        float64 `json:"t_ms"`
	Conn       int     `json:"conn"`
	Dir        string  `json:"dir"`
	Opcode     int     `json:"opcode"`
	Data       string  `json:"data"`
	Compressed bool    `json:"compressed,omitempty"`
}

type tcpCloseEvent struct {
	Kind string  `json:"kind"`
	Seq  int     `json:"seq"`
	TMs  float64 `json:"t_ms"`
	Conn int     `json:"conn"`
	By   string  `json:"by"`
}

func nonNilHeaders(h [][2]string) [][2]string {
	if h == nil {
		return [][2]string{}
	}
	return h
}

func (r *recorder) httpRequest(conn, req int, m *httpMessage) {
	r.emit(func(seq int, t float64) any {
		return httpRequestEvent{"http_request", seq, t, conn, req, m.method, m.target, m.proto,
			nonNilHeaders(m.headers), base64.StdEncoding.EncodeToString(m.body)}
	})
}

func (r *recorder) httpResponse(conn, req int, m *httpMessage) {
	r.emit(func(seq int, t float64) any {
		return httpResponseEvent{"http_response", seq, t, conn, req, m.status, m.reason, m.proto,
			nonNilHeaders(m.headers), base64.StdEncoding.EncodeToString(m.body)}
	})
}

func (r *recorder) wsFrame(conn int, dir string, m *wsMessage) {
	r.emit(func(seq int, t float64) any {
		return wsFrameEvent{"ws_frame", seq, t, conn, dir, int(m.opcode),
			base64.StdEncoding.EncodeToString(m.data), m.compressed}
	})
}

func (r *recorder) tcpClose(conn int, by string) {
	r.emit(func(seq int, t float64) any {
		return tcpCloseEvent{"tcp_close", seq, t, conn, by}
	})
}

func (r *recorder) emit(build func(seq int, t float64) any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil {
		return
	}
	t := float64(time.Since(r.start).Microseconds()) / 1000
	t = math.Round(t*1000) / 1000
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep URLs with & readable
	if err := enc.Encode(build(r.seq, t)); err != nil {
		r.err = fmt.Errorf("recorder: encoding event %d: %w", r.seq, err)
		return
	}
	if _, err := r.w.Write(b.Bytes()); err != nil {
		r.err = fmt.Errorf("recorder: writing event %d: %w", r.seq, err)
		return
	}
	r.seq++
}
