package recording

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/fastsio/fastsio/engineio/packet"
)

// Format says how a Payload's Body is encoded.
type Format string

// Payload formats.
const (
	StringPayload Format = "string"     // §5.2 string payload (b64 sessions, text POSTs)
	BinaryPayload Format = "binary"     // §5.4 binary payload
	JSONPResponse Format = "jsonp"      // ___eio[n]("<string payload>"); Body is the unwrapped payload
	JSONPBuffer   Format = "jsonp-buf"  // ___eio[n]({"type":"Buffer",...}); Body is the binary payload
	JSONPForm     Format = "jsonp-form" // d=... form POST; Body is the unescaped string payload
	WSText        Format = "ws-text"    // one text frame, one packet
	WSBinary      Format = "ws-binary"  // one binary frame, one packet
)

// Payload is one unit of engine.io packets on the wire: a polling body or a
// WebSocket frame.
type Payload struct {
	Seq       int     // seq of the event carrying it
	TMs       float64 // its time
	Conn      int
	SID       string // engine.io session id ("" if it could not be determined)
	Req       int    // HTTP request number (polling only)
	Dir       string // "c2s" or "s2c"
	Transport string // "polling", "jsonp" or "websocket"
	Format    Format
	// Wire is the body as on the wire after undoing Content-Encoding (for
	// WebSocket frames: the frame data).
	Wire []byte
	// Body is what the packet decoder was given (Wire unwrapped for JSONP).
	Body []byte
	// Index is the JSONP callback index (JSONP responses only).
	Index string
	// Packets are the decoded packets; Data owns its memory.
	Packets []packet.Packet
	// Err is the decoding error, if any (Packets holds those delivered before it).
	Err error
}

// Packet is one engine.io packet with where it came from.
type Packet struct {
	Seq       int
	TMs       float64
	Conn      int
	SID       string
	Dir       string
	Transport string
	Index     int // position within its payload
	packet.Packet
}

// Packets returns the engine.io packets of rec in wire order (ignoring
// payloads that failed to decode after their good packets).
func (rec *Recording) Packets() []Packet {
	var out []Packet
	for _, pl := range rec.Payloads() {
		for i, p := range pl.Packets {
			out = append(out, Packet{Seq: pl.Seq, TMs: pl.TMs, Conn: pl.Conn, SID: pl.SID, Dir: pl.Dir, Transport: pl.Transport, Index: i, Packet: p})
		}
	}
	return out
}

// Payloads returns every engine.io payload and frame of rec in wire order.
// HTTP traffic that is not engine.io polling (no transport query parameter,
// non-200 responses, POST "ok" answers, JSON errors) is skipped.
func (rec *Recording) Payloads() []Payload {
	return Extract(rec.Events)
}

// Extract is Recording.Payloads for a list of events. Session ids come
// from the sid query parameter, or from the open packet answering a
// handshake; WebSocket frames inherit the sid of their connection's upgrade
// request (or of the open packet sent on it).
func Extract(events []Event) []Payload {
	reqs := map[int]*HTTPRequest{}
	connSID := map[int]string{}
	var out []Payload
	for _, ev := range events {
		switch e := ev.(type) {
		case *HTTPRequest:
			reqs[e.Req] = e
			q, ok := engineQuery(e.URL)
			if !ok {
				continue
			}
			if strings.EqualFold(e.Headers.Get("Upgrade"), "websocket") {
				connSID[e.Conn] = q.Get("sid")
				continue
			}
			if e.Method == "POST" {
				pl := Payload{Seq: e.Seq, TMs: e.TMs, Conn: e.Conn, SID: q.Get("sid"), Req: e.Req, Dir: "c2s", Transport: transportOf(q), Wire: e.Body}
				decodeRequestBody(&pl, e)
				out = append(out, pl)
			}
		case *HTTPResponse:
			rq := reqs[e.Req]
			if rq == nil || rq.Method != "GET" || e.Status != 200 {
				continue
			}
			q, ok := engineQuery(rq.URL)
			if !ok {
				continue
			}
			pl := Payload{Seq: e.Seq, TMs: e.TMs, Conn: e.Conn, SID: q.Get("sid"), Req: e.Req, Dir: "s2c", Transport: transportOf(q)}
			if decodeResponseBody(&pl, e) {
				if pl.SID == "" && len(pl.Packets) > 0 {
					pl.SID = openSID(pl.Packets[0])
				}
				out = append(out, pl)
			}
		case *WSFrame:
			if e.Opcode != 1 && e.Opcode != 2 {
				continue
			}
			pl := Payload{Seq: e.Seq, TMs: e.TMs, Conn: e.Conn, Dir: e.Dir, Transport: "websocket", Wire: e.Data, Body: e.Data}
			var p packet.Packet
			var err error
			if e.Opcode == 1 {
				pl.Format = WSText
				p, err = packet.DecodeText(e.Data)
			} else {
				pl.Format = WSBinary
				p, err = packet.DecodeBinary(e.Data)
			}
			if err != nil {
				pl.Err = err
			} else {
				pl.Packets = []packet.Packet{own(p)}
				if connSID[e.Conn] == "" && e.Dir == "s2c" {
					connSID[e.Conn] = openSID(p)
				}
			}
			pl.SID = connSID[e.Conn]
			out = append(out, pl)
		}
	}
	return out
}

// engineQuery parses the query of an engine.io request URL; ok is false for
// requests without a transport parameter (not engine.io).
func engineQuery(rawURL string) (url.Values, bool) {
	i := strings.IndexByte(rawURL, '?')
	if i < 0 {
		return nil, false
	}
	q, err := url.ParseQuery(rawURL[i+1:])
	if err != nil || q.Get("transport") == "" {
		return nil, false
	}
	return q, true
}

func transportOf(q url.Values) string {
	if q.Get("transport") == "polling" {
		if _, ok := q["j"]; ok {
			return "jsonp"
		}
		return "polling"
	}
	return q.Get("transport")
}

// openSID returns the sid of an open packet, or "".
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

func own(p packet.Packet) packet.Packet {
	if p.Data != nil {
		p.Data = bytes.Clone(p.Data)
	}
	return p
}

func decodeInto(pl *Payload, binary bool) {
	fn := func(p packet.Packet) error { pl.Packets = append(pl.Packets, own(p)); return nil }
	if binary {
		pl.Err = packet.DecodeBinaryPayload(pl.Body, fn)
	} else {
		pl.Err = packet.DecodeStringPayload(pl.Body, fn)
	}
}

func decodeRequestBody(pl *Payload, e *HTTPRequest) {
	switch {
	case pl.Transport == "jsonp":
		pl.Format = JSONPForm
		d, err := packet.DecodeJSONPForm(e.Body)
		if err != nil {
			pl.Err = err
			return
		}
		if d == nil {
			pl.Err = fmt.Errorf("recording: JSONP POST without d field")
			return
		}
		pl.Body = d
		decodeInto(pl, false)
	case e.Headers.Get("Content-Type") == "application/octet-stream":
		pl.Format = BinaryPayload
		pl.Body = e.Body
		decodeInto(pl, true)
	default:
		pl.Format = StringPayload
		pl.Body = e.Body
		decodeInto(pl, false)
	}
}

// decodeResponseBody reports whether the response carries a payload.
func decodeResponseBody(pl *Payload, e *HTTPResponse) bool {
	ct := e.Headers.Get("Content-Type")
	if ct != "application/octet-stream" && !strings.HasPrefix(ct, "text/plain") {
		return false
	}
	body, err := Decompress(e.Body, e.Headers.Get("Content-Encoding"))
	if err != nil {
		pl.Err = err
		pl.Format = StringPayload
		return true
	}
	pl.Wire = body
	switch {
	case ct == "application/octet-stream":
		pl.Format = BinaryPayload
		pl.Body = body
		decodeInto(pl, true)
	case bytes.HasPrefix(body, []byte("___eio[")):
		if idx, sp, err := packet.ParseJSONP(body); err == nil {
			pl.Format, pl.Index, pl.Body = JSONPResponse, string(idx), sp
			decodeInto(pl, false)
			return true
		}
		idx, bin, err := parseJSONPBuffer(body)
		pl.Format, pl.Index = JSONPBuffer, idx
		if err != nil {
			pl.Err = err
			return true
		}
		pl.Body = bin
		decodeInto(pl, true)
	default:
		pl.Format = StringPayload
		pl.Body = body
		decodeInto(pl, false)
	}
	return true
}

// parseJSONPBuffer reads ___eio[n]({"type":"Buffer","data":[...]}); — what
// engine.io 1.8.3 sends to a JSONP session opened without b64.
func parseJSONPBuffer(body []byte) (string, []byte, error) {
	rest := body[len("___eio["):]
	i := bytes.IndexByte(rest, ']')
	if i < 0 || !bytes.HasPrefix(rest[i:], []byte("](")) || !bytes.HasSuffix(rest, []byte(");")) {
		return "", nil, fmt.Errorf("recording: malformed JSONP response")
	}
	var v struct {
		Type string `json:"type"`
		Data []int  `json:"data"`
	}
	if err := json.Unmarshal(rest[i+2:len(rest)-2], &v); err != nil || v.Type != "Buffer" {
		return "", nil, fmt.Errorf("recording: JSONP response is neither a string nor a Buffer: %v", err)
	}
	b := make([]byte, len(v.Data))
	for k, x := range v.Data {
		if x < 0 || x > 255 {
			return "", nil, fmt.Errorf("recording: JSONP Buffer byte %d out of range", x)
		}
		b[k] = byte(x)
	}
	return string(rest[:i]), b, nil
}

// MaxDecompressed bounds Decompress output (256 MiB).
const MaxDecompressed = 256 << 20

// Decompress undoes an HTTP Content-Encoding ("", "identity", "gzip",
// "deflate" — zlib format, with a raw-deflate fallback as browsers accept).
func Decompress(body []byte, encoding string) ([]byte, error) {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("recording: gzip body: %w", err)
		}
		r = zr
	case "deflate":
		zr, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			r = flate.NewReader(bytes.NewReader(body))
		} else {
			r = zr
		}
	default:
		return nil, fmt.Errorf("recording: unsupported Content-Encoding %q", encoding)
	}
	out, err := io.ReadAll(io.LimitReader(r, MaxDecompressed+1))
	if err != nil {
		return nil, fmt.Errorf("recording: %s body: %w", encoding, err)
	}
	if len(out) > MaxDecompressed {
		return nil, fmt.Errorf("recording: decompressed body larger than %d bytes", MaxDecompressed)
	}
	return out, nil
}
