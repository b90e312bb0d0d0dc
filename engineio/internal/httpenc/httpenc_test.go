package httpenc

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"testing"
)

// covers: SUP-29, EIO-CMP-01, EIO-CMP-02
func TestNegotiate(t *testing.T) {
	tests := []struct {
		header string
		want   Encoding
	}{
		{"", None},
		{"gzip, deflate", Gzip},
		{"deflate", Deflate},
		{"deflate;q=0.5, gzip", Gzip},
		{"gzip;q=0.5, deflate", Deflate},
		{"deflate, gzip", Deflate}, // equal q: earlier in the header wins (negotiator)
		{"br", None},
		{"identity", None},
		{"*", Gzip},
		{"*;q=0.5, deflate", Deflate},
		{"gzip;q=0", None},
		{"gzip;q=0, *", Deflate},
		{"GZIP", Gzip},
		{"gzip;q=abc", None},
		{"gzip deflate", None},
		{" gzip ; q=0.8 , deflate;q=0.9", Deflate},
		{"gzip;q=1e-1, deflate;q=0.05", Gzip},
	}
	for _, tt := range tests {
		if got := Negotiate([]byte(tt.header)); got != tt.want {
			t.Errorf("Negotiate(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestAppendRoundTrip(t *testing.T) {
	src := bytes.Repeat([]byte("engine.io "), 200)
	for _, e := range []Encoding{Gzip, Deflate} {
		out := Append([]byte("x"), src, e, 6)
		if out[0] != 'x' {
			t.Fatalf("%v: prefix lost", e)
		}
		var r io.Reader
		var err error
		if e == Gzip {
			r, err = gzip.NewReader(bytes.NewReader(out[1:]))
		} else {
			r, err = zlib.NewReader(bytes.NewReader(out[1:]))
		}
		if err != nil {
			t.Fatalf("%v: %v", e, err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("%v: round trip failed: %v", e, err)
		}
	}
}

func FuzzNegotiate(f *testing.F) {
	f.Add("gzip;q=0.5, deflate")
	f.Add("*;q=1e3")
	f.Fuzz(func(t *testing.T, h string) {
		_ = Negotiate([]byte(h))
	})
}
