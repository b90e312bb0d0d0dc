package engineio

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"testing"
)

// covers: EIO-CMP-01, EIO-CMP-02, EIO-CMP-03, EIO-CMP-04, EIO-CMP-05, EIO-CMP-06, SUP-29
func TestHTTPCompression(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		size   int
		noComp bool
		accept string
		want   string // Content-Encoding
	}{
		{"EIO-CMP-01 gzip", Options{}, 1024, false, "gzip, deflate", "gzip"},
		{"EIO-CMP-02 deflate", Options{}, 1024, false, "deflate", "deflate"},
		{"EIO-CMP-03 threshold 0", Options{HTTPCompression: &CompressionOptions{Threshold: 0}}, 10, false, "gzip, deflate", "gzip"},
		{"EIO-CMP-04 disabled", Options{HTTPCompression: &CompressionOptions{Disable: true}}, 1024, false, "gzip, deflate", ""},
		{"EIO-CMP-05 NoCompress", Options{}, 1024, true, "gzip, deflate", ""},
		{"EIO-CMP-06 below threshold", Options{}, 100, false, "gzip, deflate", ""},
		{"SUP-29 q-values", Options{}, 1024, false, "deflate;q=0.5, gzip", "gzip"},
		{"SUP-29 br only", Options{}, 1024, false, "br", ""},
		{"SUP-29 no header", Options{}, 1024, false, "", ""},
		// A binary payload adds 7 bytes (kind, 4 digits, 0xff, type byte):
		// 1016 bytes of data make 1023, 1017 make exactly 1024.
		{"SUP-29 payload just below", Options{}, 1016, false, "gzip", ""},
		{"SUP-29 payload at threshold", Options{}, 1017, false, "gzip", "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			ts := start(t, &opts, nil)
			od, _ := ts.handshake("") // binary payloads
			s := ts.sock("connection")
			data := bytes.Repeat([]byte{0xaa}, tt.size)
			_ = s.Send([]Message{{Data: data, Binary: true}}, SendOptions{NoCompress: tt.noComp})
			hdr := map[string]string{}
			if tt.accept != "" {
				hdr["Accept-Encoding"] = tt.accept
			}
			r := ts.do("GET", "EIO=3&transport=polling&sid="+od.SID, hdr, nil)
			if got := r.header.Get("Content-Encoding"); got != tt.want {
				t.Fatalf("Content-Encoding %q, want %q", got, tt.want)
			}
			body := r.body
			switch tt.want {
			case "gzip":
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				body, err = io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
			case "deflate":
				zr, err := zlib.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				body, err = io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
			}
			r.body = body
			r.header.Set("Content-Type", "application/octet-stream")
			ps := decodePayload(t, r)
			if len(ps) != 1 || !bytes.Equal(ps[0].Data, data) {
				t.Errorf("payload decodes to %d packets", len(ps))
			}
		})
	}
}
