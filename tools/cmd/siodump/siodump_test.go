package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// Golden dumps of a HAR file (Chrome-style, with _webSocketMessages, a
// base64 binary payload, a double-encoded text POST, a binary event with
// its attachment and an undecodable frame) and of two recordings.
func TestGolden(t *testing.T) {
	cases := []struct {
		file string
		o    options
	}{
		{"tiny.har", options{maxData: 40, maxHex: 32, showSID: true, layer: "auto"}},
		{"socketio.jsonl", options{maxData: 200, maxHex: 2, layer: "auto"}},
		{"engineio.jsonl", options{maxData: 200, maxHex: 32, layer: "auto"}},
		{"engineio.jsonl", options{maxData: 200, maxHex: 32, layer: "sio"}},
	}
	for _, c := range cases {
		name := c.file + "-" + c.o.layer
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := dumpFile(&buf, filepath.Join("testdata", c.file), c.o); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("output differs from %s (go test -update to accept):\n%s", golden, buf.String())
			}
		})
	}
}

// The HAR conversion keeps what the dump relies on.
func TestFromHAR(t *testing.T) {
	evs, sio, err := load(filepath.Join("testdata", "tiny.har"))
	if err != nil || !sio {
		t.Fatal(err, sio)
	}
	var kinds []string
	for i, ev := range evs {
		if ev.Base().Seq != i {
			t.Fatalf("event %d has seq %d", i, ev.Base().Seq)
		}
		if i > 0 && ev.Base().TMs < evs[i-1].Base().TMs {
			t.Fatalf("event %d goes back in time", i)
		}
		kinds = append(kinds, ev.Kind())
	}
	want := "http_request http_response http_request http_response http_request http_response http_request http_response ws_frame ws_frame ws_frame ws_frame ws_frame ws_frame ws_frame"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("kinds\n got %s\nwant %s", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"bad.har":    `{"log":{"entries":[{"startedDateTime":"yesterday"}]}}`,
		"bad2.har":   `not json`,
		"bin.har":    `{"log":{"entries":[{"startedDateTime":"2025-11-25T19:00:00Z","response":{"status":200,"content":{"encoding":"base64","text":"!!"}}}]}}`,
		"bad.jsonl":  `{"kind":"meta","name":"x","layer":"engineio"}` + "\n" + `{"kind":"nope"}`,
		"empty.json": ``,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := dumpFile(&bytes.Buffer{}, p, options{layer: "auto"}); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
	if err := dumpFile(&bytes.Buffer{}, filepath.Join("testdata", "tiny.har"), options{layer: "xyz"}); err == nil {
		t.Error("bad -layer accepted")
	}
}

func TestDataRendering(t *testing.T) {
	o := options{maxData: 5, maxHex: 2}
	for _, c := range []struct {
		in     string
		binary bool
		want   string
	}{
		{"abc", false, "abc"},
		{"abcdefg", false, "abcde…(7 bytes)"},
		{"ééé", false, "éé…(6 bytes)"},
		{"a\nb", false, `"a\nb"`},
		{"\x01\x02", true, "<0102>"},
		{"\x01\x02\x03", true, "0102…(3 bytes)"},
	} {
		if got := o.data([]byte(c.in), c.binary); got != c.want {
			t.Errorf("data(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
