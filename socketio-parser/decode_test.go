package parser

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

type decodeMsg struct {
	Text *string `json:"text"`
	Bin  *string `json:"bin"`
}

type decodeResult struct {
	Type        *Type    `json:"type"`
	Nsp         string   `json:"nsp"`
	ID          *uint64  `json:"id"`
	Data        *string  `json:"data"`
	Attachments []string `json:"attachments"`
	Error       string   `json:"error"`
}

type decodeCase struct {
	Name      string          `json:"name"`
	Deviation string          `json:"deviation"`
	Messages  []decodeMsg     `json:"messages"`
	Results   []*decodeResult `json:"results"`
}

func (m decodeMsg) bytes(t testing.TB) ([]byte, bool) {
	if m.Bin != nil {
		b, err := hex.DecodeString(*m.Bin)
		if err != nil {
			t.Fatal(err)
		}
		return b, true
	}
	return []byte(*m.Text), false
}

func errorKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrIllegalAttachments):
		return "illegal_attachments"
	case errors.Is(err, ErrUnexpectedBinary):
		return "unexpected_binary"
	case errors.Is(err, ErrLimit):
		return "limit"
	case errors.Is(err, ErrParse):
		return "parse"
	}
	return "other: " + err.Error()
}

// TestDecodeGolden runs testdata/decode.json: message sequences and the
// result of each Add.
// covers: SIOP-02, SIOP-03, SIOP-04, SIOP-05, SIOP-06, SIOP-07, SIOP-08,
// SUP-32, SUP-43, SUP-44, SUP-54, SUP-55
func TestDecodeGolden(t *testing.T) {
	var cases []decodeCase
	readJSONFile(t, "decode.json", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if len(c.Results) != len(c.Messages) {
				t.Fatalf("bad case: %d messages, %d results", len(c.Messages), len(c.Results))
			}
			d, err := NewDecoder(nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range c.Messages {
				data, bin := m.bytes(t)
				// The decoder must not keep the input: scribble over it afterwards.
				p, ok, err := d.Add(data, bin)
				for j := range data {
					data[j] = '#'
				}
				want := c.Results[i]
				switch {
				case want == nil:
					if ok || err != nil {
						t.Errorf("message %d: want nothing, got ok=%v %s err=%v", i, ok, packetString(p), err)
					}
				case want.Error != "":
					if ok || errorKind(err) != want.Error {
						t.Errorf("message %d: want %s error, got ok=%v err=%v", i, want.Error, ok, err)
					}
					var oe *OpError
					if !errors.As(err, &oe) || !strings.HasPrefix(err.Error(), "parser: ") {
						t.Errorf("message %d: error %v is not a *OpError with prefix", i, err)
					}
					if IsFatal(err) != (want.Error != "parse") {
						t.Errorf("message %d: IsFatal(%v) wrong", i, err)
					}
				default:
					if err != nil || !ok {
						t.Fatalf("message %d: want packet, got ok=%v err=%v", i, ok, err)
					}
					w := Packet{Type: *want.Type, Namespace: want.Nsp}
					if want.ID != nil {
						w.ID, w.HasID = *want.ID, true
					}
					if want.Data != nil {
						w.Data = []byte(*want.Data)
					}
					if want.Attachments != nil {
						w.Attachments = [][]byte{}
						for _, h := range want.Attachments {
							b, _ := hex.DecodeString(h)
							if b == nil {
								b = []byte{}
							}
							w.Attachments = append(w.Attachments, b)
						}
					}
					if !reflect.DeepEqual(p, w) {
						t.Errorf("message %d:\n got %s\nwant %s", i, packetString(p), packetString(w))
					}
				}
			}
		})
	}
}

// TestDecodeGoldenReference feeds the same messages to socket.io-parser
// 2.3.1's Decoder and checks that it agrees with the golden results (except
// for the documented deviations).
// covers: SIOP-06, SUP-43, SUP-44, SUP-54, SUP-55
func TestDecodeGoldenReference(t *testing.T) {
	in, err := readFileBytes("decode.json")
	if err != nil {
		t.Fatal(err)
	}
	out := runNode(t, `
const p = require('socket.io-parser');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
function canon(v) {
  if (Buffer.isBuffer(v)) return {$bin: v.toString('hex')};
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') { const o = {}; for (const k of Object.keys(v)) o[k] = canon(v[k]); return o; }
  return v;
}
const res = cases.map(c => {
  const d = new p.Decoder();
  let got = null;
  d.on('decoded', pk => { got = pk; });
  return c.messages.map(m => {
    got = null;
    try {
      d.add(m.bin !== undefined ? Buffer.from(m.bin, 'hex') : m.text);
    } catch (e) { return {error: 'fatal', message: e.message}; }
    if (!got) return null;
    if (got.type === 4 && got.nsp === undefined && got.data === 'parser error') return {error: 'parse'};
    const r = {type: got.type, nsp: got.nsp};
    if (got.id !== undefined) r.id = got.id;
    if (got.data !== undefined) r.data = JSON.stringify(canon(got.data));
    return r;
  });
});
process.stdout.write(JSON.stringify(res));
`, in)
	var cases []decodeCase
	readJSONFile(t, "decode.json", &cases)
	var res [][]json.RawMessage
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(cases) {
		t.Fatalf("node output %s: %v", out, err)
	}
	for ci, c := range cases {
		if c.Deviation != "" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			for i, want := range c.Results {
				got := string(res[ci][i])
				var exp string
				switch {
				case want == nil:
					exp = "null"
				case want.Error == "parse":
					exp = `{"error":"parse"}`
				case want.Error != "":
					if !strings.HasPrefix(got, `{"error":"fatal"`) {
						t.Errorf("message %d: reference %s, golden fatal %s", i, got, want.Error)
					}
					continue
				default:
					exp = canonicalGolden(t, want)
				}
				if got != exp {
					t.Errorf("message %d:\nreference %s\n   golden %s", i, got, exp)
				}
			}
		})
	}
}

// canonicalGolden renders a golden packet the way the Node script renders
// a decoded one: placeholders of binary packets replaced by {"$bin":hex}.
func canonicalGolden(t *testing.T, w *decodeResult) string {
	m := map[string]any{"type": int(*w.Type), "nsp": w.Nsp}
	order := []string{"type", "nsp"}
	if w.ID != nil {
		m["id"] = *w.ID
		order = append(order, "id")
	}
	if w.Data != nil {
		p := Packet{Type: *w.Type, Data: []byte(*w.Data)}
		for _, h := range w.Attachments {
			b, _ := hex.DecodeString(h)
			p.Attachments = append(p.Attachments, b)
		}
		v := any(nil)
		if err := json.Unmarshal(p.Data, &v); err != nil {
			t.Fatal(err)
		}
		if p.Type.IsBinary() {
			v = substituteBin(v, p.Attachments)
		}
		enc, _, _ := AppendJSON(nil, nil, v)
		m["data"] = string(enc)
		order = append(order, "data")
	}
	o := Object{}
	for _, k := range order {
		o = append(o, Member{k, m[k]})
	}
	s, _, _ := AppendJSON(nil, nil, o)
	return string(s)
}

func substituteBin(v any, atts [][]byte) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = substituteBin(x[i], atts)
		}
	case map[string]any:
		if x["_placeholder"] == true {
			n := int(x["num"].(float64))
			return map[string]any{"$bin": hex.EncodeToString(atts[n])}
		}
		for k := range x {
			x[k] = substituteBin(x[k], atts)
		}
	}
	return v
}

// TestDecoderReset: destroying the decoder mid-reconstruction discards the
// buffered attachments and emits nothing.
// covers: SIOP-12
func TestDecoderReset(t *testing.T) {
	d, _ := NewDecoder(nil)
	if _, ok, err := d.Add([]byte(`52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), false); ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, ok, err := d.Add([]byte{1}, true); ok || err != nil || !d.Pending() {
		t.Fatal(ok, err)
	}
	d.Reset()
	if d.Pending() {
		t.Fatal("still pending after Reset")
	}
	if _, ok, err := d.Add([]byte{2}, true); ok || !errors.Is(err, ErrUnexpectedBinary) {
		t.Fatalf("after Reset: ok=%v err=%v", ok, err)
	}
	// Still usable.
	if p, ok, err := d.Add([]byte(`2["x"]`), false); !ok || err != nil || string(p.Data) != `["x"]` {
		t.Fatalf("after Reset: %s %v %v", packetString(p), ok, err)
	}
}

func TestDecoderLimits(t *testing.T) {
	if _, err := NewDecoder(&Options{MaxDepth: -1}); err == nil {
		t.Error("negative option accepted")
	}
	if _, err := NewDecoder(&Options{MaxDepth: 20000}); err == nil {
		t.Error("MaxDepth above 10000 accepted")
	}
	d, err := NewDecoder(&Options{MaxAttachments: 2, MaxBufferedBytes: 4, MaxDepth: 3, MaxNamespaceLen: 5})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		msg  string
		bin  bool
		want string // error kind, "" = packet, "-" = nothing
	}{
		{"depth ok", `2[[["a"]]]`, false, ""},
		{"nesting bomb", `2[[[["a"]]]]`, false, "parse"},
		{"nesting bomb objects", `2{"a":{"b":{"c":{}}}}`, false, "parse"},
		{"namespace ok", `0/abcd`, false, ""},
		{"namespace too long", `0/abcde`, false, "parse"},
		{"attachments ok", `52-[{"_placeholder":true,"num":0}]`, false, "-"},
		{"bytes 3", "\x01\x02\x03", true, "-"},
		{"bytes 5 > 4", "\x01\x02", true, "limit"},
		{"after limit nothing pending", "\x01", true, "unexpected_binary"},
		{"too many attachments", `53-[]`, false, "limit"},
	}
	for _, tt := range tests {
		p, ok, err := d.Add([]byte(tt.msg), tt.bin)
		switch tt.want {
		case "":
			if !ok || err != nil {
				t.Errorf("%s: want packet, got %v %v", tt.name, ok, err)
			}
		case "-":
			if ok || err != nil {
				t.Errorf("%s: want nothing, got %s %v", tt.name, packetString(p), err)
			}
		default:
			if ok || errorKind(err) != tt.want {
				t.Errorf("%s: want %s, got %v %v", tt.name, tt.want, ok, err)
			}
		}
	}
	// Default depth limit: 1000 levels pass, 1001 do not.
	d, _ = NewDecoder(nil)
	deep := func(n int) []byte { return []byte("2" + strings.Repeat("[", n) + strings.Repeat("]", n)) }
	if _, ok, err := d.Add(deep(1000), false); !ok || err != nil {
		t.Errorf("depth 1000: %v %v", ok, err)
	}
	_, _, err = d.Add(deep(1001), false)
	var oe *OpError
	if !errors.As(err, &oe) || !errors.Is(err, ErrParse) || oe.Offset != 1001 || !strings.Contains(oe.Reason, "depth") {
		t.Errorf("depth 1001: %v", err)
	}
	// A huge nesting bomb is rejected quickly and without stack exhaustion.
	if _, _, err := d.Add(deep(1<<20), false); !errors.Is(err, ErrParse) {
		t.Errorf("bomb: %v", err)
	}
}

func TestErrorOffsets(t *testing.T) {
	d, _ := NewDecoder(nil)
	for _, tt := range []struct {
		msg    string
		offset int
	}{
		{`x`, 0},
		{`2/chat,3["a",]`, 13},
		{`2["a"`, 5},
		{`5x-[]`, 1},
		{`2 []`, 1},
	} {
		_, _, err := d.Add([]byte(tt.msg), false)
		var oe *OpError
		if !errors.As(err, &oe) || oe.Offset != tt.offset {
			t.Errorf("%q: err %v, want offset %d", tt.msg, err, tt.offset)
		}
	}
}

func TestSplitNamespace(t *testing.T) {
	for _, tt := range []struct{ in, path, query string }{
		{"/chat?x=y&z=1", "/chat", "x=y&z=1"},
		{"/chat", "/chat", ""},
		{"", "/", ""},
		{"/", "/", ""},
		{"?a=b", "/", "a=b"},
		{"/a?b?c", "/a", "b?c"},
	} {
		p, q := SplitNamespace(tt.in)
		if p != tt.path || q != tt.query {
			t.Errorf("SplitNamespace(%q) = %q, %q", tt.in, p, q)
		}
	}
}

// The decoder copies the data once and reuses namespace strings.
func TestDecodeAllocs(t *testing.T) {
	d, _ := NewDecoder(nil)
	msg := []byte(`2/chat,17["chat",{"a":1}]`)
	if n := testing.AllocsPerRun(100, func() {
		if _, ok, err := d.Add(msg, false); !ok || err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Errorf("Add allocates %v times, want 1", n)
	}
	w := []byte(`{"a":1}`)
	if n := testing.AllocsPerRun(100, func() {
		if _, _, err := AppendJSON(w[:0], nil, map[string]any(nil)); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("AppendJSON allocates %v times", n)
	}
}
