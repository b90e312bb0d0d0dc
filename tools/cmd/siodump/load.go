package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/fastsio/fastsio/conformance/recording"
)

// load reads a recording or a HAR file into recording events; sio reports
// whether the capture carries socket.io (HAR files and socketio-layer
// recordings) rather than plain engine.io messages.
func load(name string) (evs []recording.Event, sio bool, err error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, false, err
	}
	if isHAR(name, data) {
		evs, err := fromHAR(data, name)
		return evs, true, err
	}
	rec, err := recording.Read(bytes.NewReader(data), name)
	if err != nil {
		return nil, false, err
	}
	return rec.Events, rec.Meta.Layer == "socketio", nil
}

func isHAR(name string, data []byte) bool {
	if strings.HasSuffix(strings.ToLower(name), ".har") {
		return true
	}
	var probe struct {
		Log *json.RawMessage `json:"log"`
	}
	return bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) && json.Unmarshal(data, &probe) == nil && probe.Log != nil
}

// The parts of HAR 1.2 (and Chrome's WebSocket extension) siodump reads.
type har struct {
	Log struct {
		Entries []harEntry `json:"entries"`
	} `json:"log"`
}

type harEntry struct {
	StartedDateTime string  `json:"startedDateTime"`
	Time            float64 `json:"time"`
	Request         struct {
		Method   string      `json:"method"`
		URL      string      `json:"url"`
		Headers  []harHeader `json:"headers"`
		PostData *struct {
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
		} `json:"postData"`
	} `json:"request"`
	Response struct {
		Status  int         `json:"status"`
		Headers []harHeader `json:"headers"`
		Content struct {
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
	} `json:"response"`
	WebSocketMessages []struct {
		Type   string  `json:"type"` // "send" or "receive"
		Time   float64 `json:"time"` // seconds since the epoch
		Opcode int     `json:"opcode"`
		Data   string  `json:"data"` // text, or base64 for binary messages
	} `json:"_webSocketMessages"`
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func headers(hs []harHeader, drop string) recording.Headers {
	out := recording.Headers{}
	for _, h := range hs {
		if !strings.EqualFold(h.Name, drop) {
			out = append(out, [2]string{h.Name, h.Value})
		}
	}
	return out
}

// fromHAR converts HAR entries to recording events: each entry becomes a
// request and a response on a connection of its own (HAR does not say which
// TCP connection carried what), WebSocket messages become frames on the
// connection of their entry. HAR response bodies are already decoded, so
// Content-Encoding is dropped. Events are ordered by time.
func fromHAR(data []byte, name string) ([]recording.Event, error) {
	var h har
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("%s: not a HAR file: %w", name, err)
	}
	type timed struct {
		ms float64
		ev recording.Event
	}
	var evs []timed
	var t0 time.Time
	for i, e := range h.Log.Entries {
		start, err := time.Parse(time.RFC3339Nano, e.StartedDateTime)
		if err != nil {
			return nil, fmt.Errorf("%s: entry %d: startedDateTime: %w", name, i, err)
		}
		if i == 0 || start.Before(t0) {
			t0 = start
		}
	}
	ms := func(t time.Time) float64 { return float64(t.Sub(t0).Microseconds()) / 1000 }
	for i, e := range h.Log.Entries {
		start, _ := time.Parse(time.RFC3339Nano, e.StartedDateTime)
		conn := i + 1
		req := &recording.HTTPRequest{Common: recording.Common{TMs: ms(start), Conn: conn}, Req: i, Method: e.Request.Method, URL: e.Request.URL, Headers: headers(e.Request.Headers, "")}
		if e.Request.PostData != nil {
			req.Body = []byte(e.Request.PostData.Text)
		}
		ws := len(e.WebSocketMessages) > 0 || e.Response.Status == 101
		if ws && req.Headers.Get("Upgrade") == "" {
			req.Headers = append(req.Headers, [2]string{"Upgrade", "websocket"})
		}
		evs = append(evs, timed{req.TMs, req})
		body := []byte(e.Response.Content.Text)
		if e.Response.Content.Encoding == "base64" {
			b, err := base64.StdEncoding.DecodeString(e.Response.Content.Text)
			if err != nil {
				return nil, fmt.Errorf("%s: entry %d: response body: %w", name, i, err)
			}
			body = b
		}
		resp := &recording.HTTPResponse{Common: recording.Common{TMs: req.TMs + max(e.Time, 0), Conn: conn}, Req: i, Status: e.Response.Status, Headers: headers(e.Response.Headers, "Content-Encoding"), Body: body}
		if ws {
			resp.TMs = req.TMs
		}
		if resp.Status >= 100 && resp.Status <= 599 {
			evs = append(evs, timed{resp.TMs, resp})
		}
		for k, m := range e.WebSocketMessages {
			dir := "c2s"
			if m.Type == "receive" {
				dir = "s2c"
			}
			payload := []byte(m.Data)
			if m.Opcode == 2 {
				b, err := base64.StdEncoding.DecodeString(m.Data)
				if err != nil {
					return nil, fmt.Errorf("%s: entry %d: WebSocket message %d: %w", name, i, k, err)
				}
				payload = b
			}
			t := time.UnixMicro(int64(math.Round(m.Time * 1e6)))
			f := &recording.WSFrame{Common: recording.Common{TMs: ms(t), Conn: conn}, Dir: dir, Opcode: m.Opcode, Data: payload}
			evs = append(evs, timed{f.TMs, f})
		}
	}
	sort.SliceStable(evs, func(a, b int) bool { return evs[a].ms < evs[b].ms })
	out := make([]recording.Event, len(evs))
	for i, t := range evs {
		t.ev.Base().Seq = i
		out[i] = t.ev
	}
	return out, nil
}
