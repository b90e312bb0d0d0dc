package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

type upload struct {
	Name  string            `json:"name"`
	Data  []byte            `json:"data"`
	Parts [][]byte          `json:"parts"`
	Meta  map[string][]byte `json:"meta"`
	Any   any               `json:"any"`
	Ptr   *[]byte           `json:"ptr"`
	Fixed [2]byte           `json:"fixed"`
	Inner *Inner            `json:"inner"`
	Size  int               `json:"size"`
}

func decodeOne(t *testing.T, msgs ...[]byte) Packet {
	t.Helper()
	d, _ := NewDecoder(nil)
	for i, m := range msgs {
		p, ok, err := d.Add(m, i > 0)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return p
		}
	}
	t.Fatal("no packet")
	return Packet{}
}

// covers: SIOP-07, SIOP-08, SIOP-10, SIOP-11, SIOP-14, SUP-54
func TestArgs(t *testing.T) {
	p := decodeOne(t,
		[]byte(`53-/up,4["file",{"name":"a.txt","data":{"_placeholder":true,"num":1},"parts":[{"_placeholder":true,"num":0},null],"meta":{"k":{"_placeholder":true,"num":2}},"any":[1,{"_placeholder":true,"num":0}],"ptr":{"_placeholder":true,"num":2},"fixed":{"_placeholder":true,"num":1},"inner":{"blob":{"_placeholder":true,"num":0},"Name":"i"},"size":3},"x",{"_placeholder":true,"num":2}]`),
		[]byte{1}, []byte{2, 2}, []byte{3, 3, 3})
	name, args, err := p.EventArgs()
	if err != nil || name != "file" || args.Len() != 3 {
		t.Fatalf("EventArgs: %q %d %v", name, args.Len(), err)
	}
	var u upload
	if err := args.Decode(0, &u); err != nil {
		t.Fatal(err)
	}
	three := []byte{3, 3, 3}
	want := upload{Name: "a.txt", Data: []byte{2, 2}, Parts: [][]byte{{1}, nil}, Meta: map[string][]byte{"k": three},
		Any: []any{1.0, []byte{1}}, Ptr: &three, Fixed: [2]byte{2, 2}, Inner: &Inner{Blob: []byte{1}, Name: "i"}, Size: 3}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("Decode struct\n got %+v\nwant %+v", u, want)
	}
	var s string
	if err := args.Decode(1, &s); err != nil || s != "x" || args.Binary(1) {
		t.Errorf("arg 1: %q %v", s, err)
	}
	if !args.Binary(2) || string(args.Raw(2)) != `{"_placeholder":true,"num":2}` || args.Raw(3) != nil {
		t.Errorf("Raw/Binary wrong")
	}
	v, err := args.Any(2)
	if b, ok := v.([]byte); err != nil || !ok || !bytes.Equal(b, three) {
		t.Errorf("Any(2) = %#v %v", v, err)
	}
	v, err = args.Any(0)
	if err != nil || !reflect.DeepEqual(v.(map[string]any)["parts"], []any{[]byte{1}, nil}) {
		t.Errorf("Any(0) = %#v %v", v, err)
	}
	// A placeholder meets a string: error, not base64 text.
	if err := args.Decode(2, &s); !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), "attachment 2") {
		t.Errorf("placeholder into string: %v", err)
	}
	// json.Unmarshaler target sees base64.
	var raw json.RawMessage
	if err := args.Decode(2, &raw); err != nil || string(raw) != `"AwMD"` {
		t.Errorf("RawMessage: %s %v", raw, err)
	}
	if err := args.Decode(5, &s); !errors.Is(err, ErrParse) {
		t.Errorf("out of range: %v", err)
	}
	if err := args.Decode(2, nil); err == nil {
		t.Error("nil target accepted")
	}
	var n int
	err = args.Decode(1, &n)
	var ute *json.UnmarshalTypeError
	if !errors.Is(err, ErrParse) || !errors.As(err, &ute) {
		t.Errorf("type error not wrapped: %v", err)
	}

	// SIOP-04 style plain event: placeholders are plain objects.
	p = decodeOne(t, []byte(`2["a",{"_placeholder":true,"num":0},"é\u00e9"]`))
	name, args, err = p.EventArgs()
	if err != nil || name != "a" || args.Binary(0) {
		t.Fatal(name, err)
	}
	v, _ = args.Any(0)
	if !reflect.DeepEqual(v, map[string]any{"_placeholder": true, "num": 0.0}) {
		t.Errorf("plain event placeholder: %#v", v)
	}
	v, _ = args.Any(1)
	if v != "éé" {
		t.Errorf("string %q", v)
	}
	// Escaped event name.
	p = decodeOne(t, []byte(`2["\u0061\ud83d\ude00\n",1]`))
	if name, _, err := p.EventArgs(); err != nil || name != "a😀\n" {
		t.Errorf("escaped name %q %v", name, err)
	}
	// Acks.
	p = decodeOne(t, []byte(`3/x,5`))
	if a, err := p.AckArgs(); err != nil || a.Len() != 0 {
		t.Errorf("ack without data: %v", err)
	}
	p = decodeOne(t, []byte(`61-1[{"_placeholder":true,"num":0}]`), []byte("z"))
	if a, err := p.AckArgs(); err != nil || a.Len() != 1 || !a.Binary(0) {
		t.Errorf("binary ack: %v", err)
	}
	// Bad event shapes are ErrParse.
	for _, msg := range []string{`2`, `2{}`, `2"x"`, `2[]`, `2[1]`, `2null`} {
		p := decodeOne(t, []byte(msg))
		if _, _, err := p.EventArgs(); !errors.Is(err, ErrParse) {
			t.Errorf("%s: %v", msg, err)
		}
	}
	// A hand-built binary packet with a dangling placeholder.
	bad := Packet{Type: BinaryEvent, Data: []byte(`["a",{"_placeholder":true,"num":3}]`), Attachments: [][]byte{{1}}}
	if _, _, err := bad.EventArgs(); !errors.Is(err, ErrParse) {
		t.Errorf("dangling placeholder: %v", err)
	}
}

// genValue makes a random Go value of a JSON-able shape containing []byte,
// in the form Args.Any gives back (float64 numbers, []any, map[string]any).
func genValue(r *rand.Rand, depth int) any {
	k := r.IntN(8)
	if depth > 4 {
		k %= 4
	}
	switch k {
	case 0:
		return nil
	case 1:
		return float64(r.IntN(1000)) / 8
	case 2:
		b := make([]byte, r.IntN(5))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	case 3:
		return string([]rune{rune(r.IntN(0x3000)), '"', rune(r.IntN(0x80))})
	case 4, 5:
		n := r.IntN(4)
		a := make([]any, n)
		for i := range a {
			a[i] = genValue(r, depth+1)
		}
		return a
	default:
		m := map[string]any{}
		for range r.IntN(4) {
			keys := []string{"a", "b", "0", "7", "_placeholder", "num", "x y"}
			m[keys[r.IntN(len(keys))]] = genValue(r, depth+1)
		}
		return m
	}
}

type rtStruct struct {
	A  []byte
	B  map[string][]byte
	C  [][]byte
	D  *[]byte
	E  any
	F  []rtStruct
	G  string
	H  map[int]*[]byte
	_I int //lint:ignore U1000 an unexported field the round trip must skip
}

func genStruct(r *rand.Rand, depth int) rtStruct {
	bs := func() []byte {
		if r.IntN(4) == 0 {
			return nil
		}
		b := make([]byte, r.IntN(4))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	s := rtStruct{A: bs(), G: "g", E: genValue(r, 3)}
	if r.IntN(2) == 0 {
		s.B = map[string][]byte{"k": bs(), "1": bs()}
	}
	if r.IntN(2) == 0 {
		s.C = [][]byte{bs(), bs()}
	}
	// A pointer to a nil slice is written as null and comes back as a nil
	// pointer (as with encoding/json), so pointers get non-nil slices.
	nonNil := func() []byte { return append([]byte{}, bs()...) }
	if r.IntN(2) == 0 {
		b := nonNil()
		s.D = &b
	}
	if r.IntN(2) == 0 {
		b := nonNil()
		s.H = map[int]*[]byte{3: &b, 4: nil}
	}
	if depth < 2 && r.IntN(2) == 0 {
		s.F = []rtStruct{genStruct(r, depth+1)}
	}
	return s
}

// TestRoundTrip: Go values with []byte anywhere -> NewEvent -> wire ->
// Decoder -> Args.Decode into the same type -> equal.
// covers: SIOP-07, SIOP-08, SIOP-09, SIOP-10, SIOP-11, SIOP-13, SIOP-14, SIOP-15
// (ArrayBuffer, Blob and File are all []byte in Go.)
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	d, _ := NewDecoder(nil)
	feed := func(p *Packet) Packet {
		hdr, atts := Encode(p)
		got, ok, err := d.Add(hdr, false)
		for _, a := range atts {
			if ok || err != nil {
				break
			}
			got, ok, err = d.Add(a, true)
		}
		if err != nil || !ok {
			t.Fatalf("decode %s: %v %v", hdr, ok, err)
		}
		return got
	}
	for i := range 500 {
		v := genValue(r, 0)
		s := genStruct(r, 0)
		p, err := NewEvent("/rt", "ev", v, s)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			p.ID, p.HasID = uint64(i), true
		}
		got := feed(&p)
		name, args, err := got.EventArgs()
		if err != nil || name != "ev" || args.Len() != 2 || got.ID != p.ID || got.HasID != p.HasID {
			t.Fatalf("event %q %d %v", name, args.Len(), err)
		}
		gv, err := args.Any(0)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gv, v) {
			t.Fatalf("any round trip\n got %#v\nwant %#v\nwire %s", gv, v, got.Data)
		}
		var gs rtStruct
		if err := args.Decode(1, &gs); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gs, s) {
			t.Fatalf("struct round trip\n got %#v\nwant %#v\nwire %s", gs, s, got.Data)
		}
		// Ack with the same values.
		a, err := NewAck("/", 9, v)
		if err != nil {
			t.Fatal(err)
		}
		got = feed(&a)
		args, err = got.AckArgs()
		if err != nil {
			t.Fatal(err)
		}
		if gv, err := args.Any(0); err != nil || !reflect.DeepEqual(gv, v) {
			t.Fatalf("ack round trip %#v %v", gv, err)
		}
	}
}
