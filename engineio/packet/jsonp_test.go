package packet

import (
	"bytes"
	"errors"
	"testing"
)

// covers: SUP-24 (codec part) — the verified JSONP handshake response of §7.1.
func TestAppendJSONPHandshake(t *testing.T) {
	open := `{"sid":"AGE8sdVcTJf88JrmAAAO","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":60000}`
	sp := AppendStringPayload(nil, []Packet{text(Open, open)})
	got := AppendJSONP(nil, "35", sp)
	want := `___eio[35]("97:0{\"sid\":\"AGE8sdVcTJf88JrmAAAO\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":60000}");`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	idx, payload, err := ParseJSONP(got)
	if err != nil || string(idx) != "35" || !bytes.Equal(payload, sp) {
		t.Fatalf("ParseJSONP = %q, %q, %v", idx, payload, err)
	}
}

// JSON.stringify escaping rules, checked against node for these inputs
// (reference_test.go repeats the comparison live).
func TestAppendJSONPEscaping(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"quote and backslash", `a"b\c`, `a\"b\\c`},
		{"short escapes", "\b\f\n\r\t", `\b\f\n\r\t`},
		{"other controls lowercase hex", "\x00\x01\x1f\x0b", `\u0000\u0001\u001f\u000b`},
		{"DEL and latin1 raw", "\x7f\u00e9\u00ff", "\x7f\u00e9\u00ff"},
		{"U+2028 U+2029 escaped", "x\u2028y\u2029z", `x\u2028y\u2029z`},
		{"other E2 sequences raw", "€\u2027", "€\u2027"},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := AppendJSONP(nil, "", []byte(c.in))
			want := `___eio[]("` + c.want + `");`
			if string(got) != want {
				t.Fatalf("got  %q\nwant %q", got, want)
			}
			_, back, err := ParseJSONP(got)
			if err != nil || string(back) != c.in {
				t.Fatalf("ParseJSONP = %q, %v", back, err)
			}
		})
	}
}

func TestParseJSONPErrors(t *testing.T) {
	for _, in := range []string{
		"", "___eio", `___eio[1("x");`, `___eio[1]("x")`, `___eio[1]("x);`, `___eio[1]("\q");`,
		`___eio[1]("\u12");`, "___eio[1](\"a\nb\");", `___eio[1]({"type":"Buffer","data":[0]});`,
	} {
		if _, _, err := ParseJSONP([]byte(in)); !errors.Is(err, ErrParse) {
			t.Errorf("ParseJSONP(%q) err = %v", in, err)
		}
	}
	// Surrogate pairs join; lone surrogates become WTF-8.
	_, p, err := ParseJSONP([]byte(`___eio[]("\ud83d\ude00\ud800\u00e9\/");`))
	if err != nil || string(p) != "😀\xed\xa0\x80é/" {
		t.Fatalf("got %q, %v", p, err)
	}
}

// covers: SUP-26 (codec part) — the verified newline round trip of §7.2:
// message "a\nb\\nc é\u2028" sent by the JSONP client (escaped newlines,
// form-encoded, spaces as '+') decodes back to the original text.
func TestDecodeJSONPFormRoundTrip(t *testing.T) {
	msg := "a\nb\\nc é\u2028"
	for _, body := range []string{
		"d=13%3A4a%5Cnb%5C%5Cnc+%C3%83%C2%A9%C3%A2%C2%80%C2%A8",   // browser form
		"d=13%3A4a%5Cnb%5C%5Cnc%20%C3%83%C2%A9%C3%A2%C2%80%C2%A8", // querystring.stringify
	} {
		sp, err := DecodeJSONPForm([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		ps, err := decodeAllString(sp)
		if err != nil || len(ps) != 1 || ps[0].Type != Message || string(ps[0].Data) != msg {
			t.Fatalf("body %s: got %s, %v", body, fmtPackets(ps), err)
		}
	}
}

func TestDecodeJSONPForm(t *testing.T) {
	cases := []struct {
		name string
		body string
		want *string // nil = no payload
	}{
		{"SUP-26 no d field ignored", "x=1", nil},
		{"empty body", "", nil},
		{"duplicate d ignored (array in Node)", "d=1&d=2", nil},
		{"empty d is an empty payload", "d", ptr("")},
		{"d= empty", "d=&x", ptr("")},
		{"value keeps later =", "x=1&d==a=b", ptr("=a=b")},
		{"encoded key", "%64=3:4hi", ptr("3:4hi")},
		{"plus is space, malformed escapes literal", "d=a+b%zz%4", ptr("a b%zz%4")},
		{"empty fields skipped", "&&d=x&", ptr("x")},
		{"pass 1: \\n to LF, \\\\n kept; pass 2: \\\\n to \\n", `d=1\n2\\n3\\\n`, ptr("1\n2\\n3\\\\n")},
		{"lone backslash kept", `d=a\b\`, ptr(`a\b\`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeJSONPForm([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.want == nil {
				if got != nil {
					t.Fatalf("got %q, want nil", got)
				}
				return
			}
			if got == nil || string(got) != *c.want {
				t.Fatalf("got %q (nil=%v), want %q", got, got == nil, *c.want)
			}
		})
	}
}

// Node's querystring only looks at the first 1000 fields.
func TestDecodeJSONPFormFieldLimit(t *testing.T) {
	body := bytes.Repeat([]byte("&"), 999)
	body = append(body, "d=x"...)
	if got, _ := DecodeJSONPForm(body); string(got) != "x" {
		t.Fatalf("1000th field: got %q", got)
	}
	body = append([]byte("&"), body...)
	if got, _ := DecodeJSONPForm(body); got != nil {
		t.Fatalf("1001st field: got %q", got)
	}
}

func ptr(s string) *string { return &s }
