package parser

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"testing"
	"unicode/utf8"
)

// fuzzMessages splits fuzz input into engine.io messages: NUL separates
// messages; a message starting with 0x01 is binary (the rest is its data).
func fuzzMessages(data []byte) (msgs [][]byte, bin []bool) {
	for _, m := range bytes.Split(data, []byte{0}) {
		if len(m) > 0 && m[0] == 1 {
			msgs, bin = append(msgs, m[1:]), append(bin, true)
		} else {
			msgs, bin = append(msgs, m), append(bin, false)
		}
	}
	return
}

func seedDecoder(f *testing.F) {
	var cases []decodeCase
	readJSONFile(f, "decode.json", &cases)
	for _, c := range cases {
		var in []byte
		for i, m := range c.Messages {
			if i > 0 {
				in = append(in, 0)
			}
			if m.Bin != nil {
				b, _ := hex.DecodeString(*m.Bin)
				in = append(append(in, 1), b...)
			} else {
				in = append(in, *m.Text...)
			}
		}
		f.Add(in)
	}
	var enc []encodeCase
	readJSONFile(f, "encode.json", &enc)
	for _, c := range enc {
		in := []byte(c.Header)
		for _, a := range c.Attachments {
			b, _ := hex.DecodeString(a)
			in = append(append(append(in, 0), 1), b...)
		}
		f.Add(in)
	}
}

// FuzzDecoder: no panics; every packet re-encodes to text that decodes to
// the same packet; event args decode without panics.
// covers: SIOP-06, SIOP-12, SUP-54, SUP-55
func FuzzDecoder(f *testing.F) {
	seedDecoder(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := NewDecoder(&Options{MaxAttachments: 16, MaxDepth: 64, MaxBufferedBytes: 1 << 16})
		if err != nil {
			t.Fatal(err)
		}
		msgs, bin := fuzzMessages(data)
		for i, m := range msgs {
			p, ok, err := d.Add(m, bin[i])
			if err != nil {
				if ok {
					t.Fatal("ok with error")
				}
				var oe *OpError
				if !reflectAs(err, &oe) {
					t.Fatalf("error %v is not *OpError", err)
				}
				continue
			}
			if !ok {
				continue
			}
			if p.Namespace == "" || (p.Type.IsBinary() != (p.Attachments != nil)) {
				t.Fatalf("bad packet %s", packetString(p))
			}
			hdr, atts := Encode(&p)
			d2, _ := NewDecoder(&Options{MaxAttachments: 16, MaxDepth: 64, MaxBufferedBytes: 1 << 16})
			q, ok2, err2 := d2.Add(hdr, false)
			for _, a := range atts {
				if ok2 || err2 != nil {
					break
				}
				q, ok2, err2 = d2.Add(a, true)
			}
			if !ok2 || err2 != nil || !reflect.DeepEqual(p, q) {
				t.Fatalf("re-decode of %q: %v %v\n got %s\nwant %s", hdr, ok2, err2, packetString(q), packetString(p))
			}
			switch p.Type {
			case Event, BinaryEvent:
				if _, args, err := p.EventArgs(); err == nil {
					for i := range args.Len() {
						_, _ = args.Any(i)
						var u upload
						_ = args.Decode(i, &u)
					}
				}
			case Ack, BinaryAck:
				if args, err := p.AckArgs(); err == nil {
					for i := range args.Len() {
						_, _ = args.Any(i)
					}
				}
			}
		}
		d.Reset()
	})
}

func reflectAs(err error, target **OpError) bool {
	oe, ok := err.(*OpError)
	*target = oe
	return ok
}

// FuzzJSONScanner compares the scanner with encoding/json's validator and
// checks that compaction preserves the value.
// covers: SUP-57
func FuzzJSONScanner(f *testing.F) {
	for _, s := range []string{`[]`, `{"a":[1,2.5e-3,"x\u00e9\n"],"b":null}`, ` [ true , false ] `, `"\ud83d\ude00"`, `[1,]`, `01`, `{"_placeholder":true,"num":0}`, "\"\x7f\xff\"", `-0.0E+1`, `[[[[]]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := scanner{data: data, maxDepth: 500, natt: 3}
		_, ok := s.scan()
		if !ok && s.err != nil && bytes.Contains([]byte(s.err.Reason), []byte("depth")) {
			return
		}
		if ok != json.Valid(data) {
			t.Fatalf("scanner %v, json.Valid %v, err %v", ok, !ok, s.err)
		}
		if !ok {
			return
		}
		c, err := appendCompact(nil, data)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if json.Unmarshal(data, &a) != nil {
			return // e.g. 1e700: valid JSON, out of float64 range
		}
		if json.Unmarshal(c, &b) != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("compact changed the value: %q -> %q", data, c)
		}
	})
}

// FuzzAppendJSON: the writer always produces valid JSON that reads back as
// the value written, with attachments restored by Args.
// covers: SUP-56, SUP-57
func FuzzAppendJSON(f *testing.F) {
	f.Add("hello", 1.5, []byte{1, 2}, "k")
	f.Add("\u2028<&>\x00\xff", 1e21, []byte{}, "0")
	f.Add("", math.Copysign(0, -1), []byte(nil), "_placeholder")
	f.Fuzz(func(t *testing.T, s string, x float64, b []byte, key string) {
		v := []any{s, x, b, map[string]any{key: b, key + "x": s}, Object{{key, x}, {"z", []any{b}}}}
		data, atts, err := AppendJSON(nil, nil, v)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(data) {
			t.Fatalf("invalid JSON %q", data)
		}
		if !utf8.Valid(data) {
			t.Fatalf("invalid UTF-8 %q", data)
		}
		// The number reads back as the same float64 (JS formatting is
		// round-trip exact); NaN/Inf are null; -0 is 0.
		var arr []json.RawMessage
		if err := json.Unmarshal(data, &arr); err != nil {
			t.Fatal(err)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if string(arr[1]) != "null" {
				t.Fatalf("%v written as %s", x, arr[1])
			}
		} else if y, err := strconv.ParseFloat(string(arr[1]), 64); err != nil || y != x {
			t.Fatalf("%v written as %s", x, arr[1])
		}
		p := Packet{Type: BinaryAck, Data: data, Attachments: atts}
		args, err := p.AckArgs()
		if err != nil {
			t.Fatal(err)
		}
		var gs string
		var gb []byte
		if err := args.Decode(0, &gs); err != nil || (utf8.ValidString(s) && gs != s) {
			t.Fatalf("string %q -> %q %v", s, gs, err)
		}
		if err := args.Decode(2, &gb); err != nil || !bytes.Equal(gb, b) || (b == nil) != (gb == nil) {
			t.Fatalf("bytes %v -> %v %v", b, gb, err)
		}
		if _, err := args.Any(3); err != nil {
			t.Fatal(err)
		}
		if _, err := args.Any(4); err != nil {
			t.Fatal(err)
		}
	})
}
