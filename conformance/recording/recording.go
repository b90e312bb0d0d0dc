package recording

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Meta is the first line of a recording.
type Meta struct {
	Name        string `json:"name"`
	Layer       string `json:"layer"` // "engineio" or "socketio"
	Client      string `json:"client"`
	Server      string `json:"server"`
	Transports  string `json:"transports"` // "polling", "websocket", "upgrade", "jsonp"
	Description string `json:"description"`
}

// Headers are HTTP headers in wire order and case, as ["Name","value"] pairs.
type Headers [][2]string

// Get returns the first value of the header name (case-insensitive).
func (h Headers) Get(name string) string {
	for _, kv := range h {
		if strings.EqualFold(kv[0], name) {
			return kv[1]
		}
	}
	return ""
}

// Common holds the fields every event has.
type Common struct {
	Seq  int     `json:"seq"`
	TMs  float64 `json:"t_ms"`
	Conn int     `json:"conn"`
}

// Event is one of *HTTPRequest, *HTTPResponse, *WSFrame, *TCPClose.
type Event interface {
	Kind() string
	Base() *Common
}

// HTTPRequest is an HTTP request as sent by the client.
type HTTPRequest struct {
	Common
	Req     int     `json:"req"`
	Method  string  `json:"method"`
	URL     string  `json:"url"`
	Headers Headers `json:"headers"`
	Body    []byte  `json:"body"`
}

// HTTPResponse is the response to request Req; Body is de-chunked but not
// decompressed.
type HTTPResponse struct {
	Common
	Req     int     `json:"req"`
	Status  int     `json:"status"`
	Headers Headers `json:"headers"`
	Body    []byte  `json:"body"`
}

// WSFrame is one WebSocket message (fragments joined; Data unmasked and,
// with Compressed set, already inflated).
type WSFrame struct {
	Common
	Dir        string `json:"dir"` // "c2s" or "s2c"
	Opcode     int    `json:"opcode"`
	Data       []byte `json:"data"`
	Compressed bool   `json:"compressed,omitempty"`
}

// TCPClose is the end of a TCP connection.
type TCPClose struct {
	Common
	By string `json:"by"` // "client" or "server"
}

func (*HTTPRequest) Kind() string  { return "http_request" }
func (*HTTPResponse) Kind() string { return "http_response" }
func (*WSFrame) Kind() string      { return "ws_frame" }
func (*TCPClose) Kind() string     { return "tcp_close" }

func (e *HTTPRequest) Base() *Common  { return &e.Common }
func (e *HTTPResponse) Base() *Common { return &e.Common }
func (e *WSFrame) Base() *Common      { return &e.Common }
func (e *TCPClose) Base() *Common     { return &e.Common }

// Recording is a whole recording in memory.
type Recording struct {
	File   string // path it was read from, for messages
	Meta   Meta
	Events []Event
}

// ErrFormat is matched (errors.Is) by every validation error of a Reader.
var ErrFormat = errors.New("recording: invalid recording")

// FormatError says which line of which file is wrong.
type FormatError struct {
	File   string
	Line   int
	Reason string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("recording: %s:%d: %s", e.File, e.Line, e.Reason)
}

// Is makes errors.Is(err, ErrFormat) true.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

// MaxLine is the longest line a Reader accepts (64 MiB).
const MaxLine = 64 << 20

// Reader reads and validates a recording line by line.
type Reader struct {
	name    string
	sc      *bufio.Scanner
	line    int
	meta    *Meta
	nextSeq int
	reqs    map[int]bool // request numbers seen
	resps   map[int]bool // request numbers answered
}

// NewReader reads a recording from r; name is used in error messages.
func NewReader(r io.Reader, name string) *Reader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine)
	return &Reader{name: name, sc: sc, reqs: map[int]bool{}, resps: map[int]bool{}}
}

func (r *Reader) errf(format string, args ...any) error {
	return &FormatError{File: r.name, Line: r.line, Reason: fmt.Sprintf(format, args...)}
}

func (r *Reader) scan() (bool, error) {
	for r.sc.Scan() {
		r.line++
		if len(bytes.TrimSpace(r.sc.Bytes())) == 0 {
			continue // tolerate blank lines (e.g. a trailing one)
		}
		return true, nil
	}
	if err := r.sc.Err(); err != nil {
		r.line++
		return false, r.errf("%v", err)
	}
	return false, nil
}

// Meta returns the meta line, reading it if needed.
func (r *Reader) Meta() (Meta, error) {
	if r.meta != nil {
		return *r.meta, nil
	}
	ok, err := r.scan()
	if err != nil {
		return Meta{}, err
	}
	if !ok {
		r.line = max(r.line, 1)
		return Meta{}, r.errf("empty recording (no meta line)")
	}
	var m struct {
		Kind string `json:"kind"`
		Meta
	}
	if err := json.Unmarshal(r.sc.Bytes(), &m); err != nil {
		return Meta{}, r.errf("meta line: %v", err)
	}
	if m.Kind != "meta" {
		return Meta{}, r.errf("first line has kind %q, want \"meta\"", m.Kind)
	}
	if m.Name == "" {
		return Meta{}, r.errf("meta without name")
	}
	if m.Layer != "engineio" && m.Layer != "socketio" {
		return Meta{}, r.errf("meta layer %q, want engineio or socketio", m.Layer)
	}
	r.meta = &m.Meta
	return m.Meta, nil
}

// Next returns the next event, or io.EOF after the last one.
func (r *Reader) Next() (Event, error) {
	if _, err := r.Meta(); err != nil {
		return nil, err
	}
	ok, err := r.scan()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, io.EOF
	}
	line := r.sc.Bytes()
	var head struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return nil, r.errf("%v", err)
	}
	var ev Event
	switch head.Kind {
	case "http_request":
		ev = &HTTPRequest{}
	case "http_response":
		ev = &HTTPResponse{}
	case "ws_frame":
		ev = &WSFrame{}
	case "tcp_close":
		ev = &TCPClose{}
	case "meta":
		return nil, r.errf("second meta line")
	default:
		return nil, r.errf("unknown event kind %q", head.Kind)
	}
	if err := json.Unmarshal(line, ev); err != nil {
		return nil, r.errf("%s: %v", head.Kind, err)
	}
	if err := r.validate(ev, line); err != nil {
		return nil, err
	}
	return ev, nil
}

func hasKey(line []byte, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(line, &m) != nil {
		return false
	}
	_, ok := m[key]
	return ok
}

func (r *Reader) validate(ev Event, line []byte) error {
	c := ev.Base()
	for _, k := range []string{"seq", "t_ms", "conn"} {
		if !hasKey(line, k) {
			return r.errf("%s without %q", ev.Kind(), k)
		}
	}
	if c.Seq != r.nextSeq {
		return r.errf("seq %d, want %d", c.Seq, r.nextSeq)
	}
	r.nextSeq++
	if c.TMs < 0 || c.Conn < 0 {
		return r.errf("negative t_ms or conn")
	}
	switch e := ev.(type) {
	case *HTTPRequest:
		if e.Method == "" || e.URL == "" {
			return r.errf("http_request without method or url")
		}
		if !hasKey(line, "req") {
			return r.errf("http_request without req")
		}
		if r.reqs[e.Req] {
			return r.errf("http_request req %d used twice", e.Req)
		}
		r.reqs[e.Req] = true
	case *HTTPResponse:
		if !r.reqs[e.Req] {
			return r.errf("http_response to unknown req %d", e.Req)
		}
		if r.resps[e.Req] {
			return r.errf("second http_response to req %d", e.Req)
		}
		r.resps[e.Req] = true
		if e.Status < 100 || e.Status > 599 {
			return r.errf("http_response status %d", e.Status)
		}
	case *WSFrame:
		if e.Dir != "c2s" && e.Dir != "s2c" {
			return r.errf("ws_frame dir %q, want c2s or s2c", e.Dir)
		}
		switch e.Opcode {
		case 1, 2, 8, 9, 10:
		default:
			return r.errf("ws_frame opcode %d", e.Opcode)
		}
	case *TCPClose:
		if e.By != "client" && e.By != "server" {
			return r.errf("tcp_close by %q, want client or server", e.By)
		}
	}
	return nil
}

// Read reads a whole recording from r.
func Read(r io.Reader, name string) (*Recording, error) {
	rd := NewReader(r, name)
	m, err := rd.Meta()
	if err != nil {
		return nil, err
	}
	rec := &Recording{File: name, Meta: m}
	for {
		ev, err := rd.Next()
		if err == io.EOF {
			return rec, nil
		}
		if err != nil {
			return nil, err
		}
		rec.Events = append(rec.Events, ev)
	}
}

// ReadFile reads a whole recording file.
func ReadFile(path string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// Glob returns the recordings under dir (dir/*/*.jsonl and dir/*.jsonl),
// sorted.
func Glob(dir string) ([]string, error) {
	a, err := filepath.Glob(filepath.Join(dir, "*", "*.jsonl"))
	if err != nil {
		return nil, err
	}
	b, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	return append(b, a...), nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Writer writes a recording; it assigns seq numbers itself.
type Writer struct {
	w   io.Writer
	seq int
}

// NewWriter writes the meta line to w and returns a Writer for the events.
func NewWriter(w io.Writer, m Meta) (*Writer, error) {
	line, err := marshalNoEscape(struct {
		Kind string `json:"kind"`
		Meta
	}{"meta", m})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(append(line, '\n')); err != nil {
		return nil, err
	}
	return &Writer{w: w}, nil
}

// Write writes ev with the next seq number (ev's Seq is overwritten).
func (w *Writer) Write(ev Event) error {
	ev.Base().Seq = w.seq
	line, err := MarshalEvent(ev)
	if err != nil {
		return err
	}
	if _, err := w.w.Write(append(line, '\n')); err != nil {
		return err
	}
	w.seq++
	return nil
}

// MarshalEvent returns the JSON line (without newline) of ev, kind first;
// HTML characters are not escaped and a nil body is written as "".
func MarshalEvent(ev Event) ([]byte, error) {
	switch e := ev.(type) {
	case *HTTPRequest:
		if e.Body == nil {
			c := *e
			c.Body = []byte{}
			ev = &c
		}
	case *HTTPResponse:
		if e.Body == nil {
			c := *e
			c.Body = []byte{}
			ev = &c
		}
	case *WSFrame:
		if e.Data == nil {
			c := *e
			c.Data = []byte{}
			ev = &c
		}
	}
	body, err := marshalNoEscape(ev)
	if err != nil {
		return nil, err
	}
	kind, _ := json.Marshal(ev.Kind())
	out := make([]byte, 0, len(body)+len(kind)+10)
	out = append(out, `{"kind":`...)
	out = append(out, kind...)
	if len(body) > 2 {
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}
