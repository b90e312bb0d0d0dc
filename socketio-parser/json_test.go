package parser

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"
)

type embedded struct {
	E1 int
	E2 string `json:"e2"`
}

type Inner struct {
	Blob []byte `json:"blob"`
	Name string
}

type tagged struct {
	A    int `json:"a"`
	Skip int `json:"-"`
	//lint:ignore SA5008 `json:"-,"` names the key "-": the encoding/json rule under test
	Dash    int               `json:"-,"`
	Empty   string            `json:"empty,omitempty"`
	Zero    time.Time         `json:"zero,omitzero"`
	Quoted  int               `json:"q,string"`
	Two     string            `json:"2"`
	private int               //nolint:unused // must not be written
	Ptr     *Inner            `json:"ptr"`
	Bytes   []byte            `json:"bytes,omitempty"`
	Map     map[string][]byte `json:"map"`
	embedded
}

type textKey struct{ a, b int }

func (k textKey) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("%d-%d", k.a, k.b)), nil }

type rawMarshaler struct{}

func (rawMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(" { \"x\" : [ 1 , \"a b\" ] } "), nil
}

type badMarshaler struct{}

func (badMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{"x":`), nil }

type ptrRecvMarshaler struct{ n int }

func (p *ptrRecvMarshaler) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprint(p.n * 2)), nil }

type blob []byte

type cyclic struct{ Next *cyclic }

// TestAppendJSON checks the JSON.stringify-compatible writer on Go values.
// covers: SUP-56, SUP-57
var tenth, fifth = 0.1, 0.2

func TestAppendJSON(t *testing.T) {
	cyc := &cyclic{}
	cyc.Next = cyc
	tests := []struct {
		name string
		v    any
		want string
		atts []string
	}{
		{"nil", nil, `null`, nil},
		{"string escapes", "a\"\\/\b\f\n\r\t\x00\x1f\x7f<>&\u2028\u2029é😀", `"a\"\\/\b\f\n\r\t\u0000\u001f` + "\x7f<>&\u2028\u2029é😀\"", nil},
		{"invalid utf8", "a\xffb", "\"a\ufffdb\"", nil},
		{"numbers", []any{1e21, 1e-7, tenth + fifth, math.Copysign(0, -1), math.NaN(), math.Inf(-1), float32(0.1), int64(-5), uint64(math.MaxUint64), 1.5e300}, `[1e+21,1e-7,0.30000000000000004,0,null,null,0.1,-5,18446744073709551615,1.5e+300]`, nil},
		{"bytes", []any{[]byte{1}, []byte(nil), []byte{}, [2]byte{3, 4}}, `[{"_placeholder":true,"num":0},null,{"_placeholder":true,"num":1},[3,4]]`, []string{"01", ""}},
		{"same slice twice gives two attachments", func() any { b := []byte{7}; return []any{b, b} }(), `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, []string{"07", "07"}},
		{"SUP-56 map order integer keys first", map[string]any{"b": []byte{2}, "2": []byte{1}, "a": []any{[]byte{3}}, "10": 0, "01": 1, "-1": 2, "4294967295": 3, "4294967294": 4},
			`{"2":{"_placeholder":true,"num":0},"10":0,"4294967294":4,"-1":2,"01":1,"4294967295":3,"a":[{"_placeholder":true,"num":1}],"b":{"_placeholder":true,"num":2}}`, []string{"01", "03", "02"}},
		{"int keys", map[int]string{10: "a", 2: "b", -1: "c"}, `{"2":"b","10":"a","-1":"c"}`, nil},
		{"text keys", map[textKey]int{{1, 2}: 1}, `{"1-2":1}`, nil},
		{"Object keeps order, indices first", Object{{"z", 1}, {"5", []byte{9}}, {"a", nil}, {"1", 2}}, `{"1":2,"5":{"_placeholder":true,"num":0},"z":1,"a":null}`, []string{"09"}},
		{"struct tags", tagged{A: 1, Skip: 2, Dash: 3, Quoted: 4, Two: "two", private: 5, Ptr: &Inner{Blob: []byte{1}, Name: "n"}, Map: map[string][]byte{"k": {2}}, embedded: embedded{E1: 6, E2: "e"}},
			`{"2":"two","a":1,"-":3,"q":"4","ptr":{"blob":{"_placeholder":true,"num":0},"Name":"n"},"map":{"k":{"_placeholder":true,"num":1}},"E1":6,"e2":"e"}`, []string{"01", "02"}},
		{"time", []any{time.Date(2020, 1, 2, 3, 4, 5, 678999999, time.FixedZone("x", 3600)), time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC)}, `["2020-01-02T02:04:05.678Z","+012345-01-01T00:00:00.000Z"]`, nil},
		{"raw message compacted not escaped", []any{json.RawMessage(" [1, \"<\u2028>\" ] "), json.RawMessage(nil)}, "[[1,\"<\u2028>\"],null]", nil},
		{"marshaler", []any{rawMarshaler{}, &ptrRecvMarshaler{3}, []ptrRecvMarshaler{{4}}}, `[{"x":[1,"a b"]},6,[8]]`, nil},
		{"text marshaler", net.IPv4(1, 2, 3, 4), `"1.2.3.4"`, nil},
		{"pointers and interfaces", []any{(*int)(nil), new(int), any(nil), &[]byte{5}}, `[null,0,null,{"_placeholder":true,"num":0}]`, []string{"05"}},
		{"nil containers", []any{[]int(nil), map[string]int(nil), Object(nil), []any(nil)}, `[null,null,null,null]`, nil},
		{"Object inside struct and slice", struct {
			O  Object
			OS []Object
		}{Object{{"b", 1}, {"0", 2}}, []Object{{{"x", []byte{1}}}}}, `{"O":{"0":2,"b":1},"OS":[{"x":{"_placeholder":true,"num":0}}]}`, []string{"01"}},
		{"json.Number", []json.Number{"1.50", ""}, `[1.50,0]`, nil},
		{"named byte slice", []any{json.RawMessage(`1`), net.IP{1, 2, 3, 4}, blob{5}}, `[1,"1.2.3.4",{"_placeholder":true,"num":0}]`, []string{"05"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, atts, err := AppendJSON([]byte("x"), nil, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "x"+tt.want {
				t.Errorf("\n got %s\nwant %s", got[1:], tt.want)
			}
			if strings.Join(hexList(atts), ",") != strings.Join(tt.atts, ",") {
				t.Errorf("attachments %v, want %v", hexList(atts), tt.atts)
			}
		})
	}
	for _, bad := range []any{make(chan int), func() {}, complex(1, 2), cyc, json.Number("1x"), map[[2]int]int{{1, 2}: 3}, badMarshaler{}, json.RawMessage(`{`)} {
		dst, atts, err := AppendJSON([]byte("keep"), [][]byte{{1}}, []any{[]byte{2}, bad})
		if !errors.Is(err, ErrUnsupported) || string(dst) != "keep" || len(atts) != 1 {
			t.Errorf("%T: err=%v dst=%q atts=%d", bad, err, dst, len(atts))
		}
	}
}

// TestJSONMatchesNode compares numbers, strings and dates with the real
// JSON.stringify.
// covers: SUP-57
func TestJSONMatchesNode(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var floats []float64
	for _, f := range []float64{0, 1, -1, 0.1, 1e21, 1e20, 123456789e13, 1e-6, 1e-7, 1.234e-7, 5e-324, math.MaxFloat64, math.SmallestNonzeroFloat64, 2.5, 100, 1 << 53, 1<<53 + 2, 0.000001234, 999999999999999999999.0} {
		floats = append(floats, f, -f)
	}
	for range 3000 {
		switch r.IntN(3) {
		case 0:
			floats = append(floats, math.Float64frombits(r.Uint64()))
		case 1:
			floats = append(floats, r.NormFloat64()*math.Pow(10, float64(r.IntN(60)-30)))
		default:
			floats = append(floats, float64(r.Int64N(1<<50))/math.Pow(10, float64(r.IntN(25))))
		}
	}
	var strs []string
	var sb strings.Builder
	for c := rune(0); c < 0x3100; c++ {
		sb.WriteRune(c)
		if c%64 == 63 {
			strs = append(strs, sb.String())
			sb.Reset()
		}
	}
	strs = append(strs, "\u2028\u2029\U0001F600\uFFFF\uFEFF")
	dates := []int64{0, -1, 1, 1700000000123, -62198755200000, 253402300800000, -8640000000000000, 8640000000000000}

	var in strings.Builder
	for _, f := range floats {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], math.Float64bits(f))
		fmt.Fprintf(&in, "f %x\n", b)
	}
	for _, s := range strs {
		j, _ := json.Marshal(s) // a transport that Node can read back exactly
		fmt.Fprintf(&in, "s %s\n", j)
	}
	for _, d := range dates {
		fmt.Fprintf(&in, "d %d\n", d)
	}
	out := runNode(t, `
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
const res = lines.map(l => {
  const k = l[0], v = l.slice(2);
  if (k === 'f') return JSON.stringify([Buffer.from(v, 'hex').readDoubleBE(0)]);
  if (k === 's') return JSON.stringify(JSON.parse(v));
  return JSON.stringify(new Date(Number(v)));
});
process.stdout.write(res.join('\n'));
`, []byte(in.String()))
	want := strings.Split(string(out), "\n")
	i := 0
	check := func(what string, got []byte) {
		if i >= len(want) {
			t.Fatalf("node gave %d results", len(want))
		}
		if string(got) != want[i] {
			t.Errorf("%s: got %s, JSON.stringify %s", what, got, want[i])
		}
		i++
	}
	for _, f := range floats {
		got, _, _ := AppendJSON(nil, nil, []any{f})
		check(fmt.Sprint(f), got)
	}
	for _, s := range strs {
		got, _, _ := AppendJSON(nil, nil, s)
		check(fmt.Sprintf("%q", s), got)
	}
	for _, d := range dates {
		got, _, _ := AppendJSON(nil, nil, time.UnixMilli(d))
		check(fmt.Sprint("date ", d), got)
	}
}
