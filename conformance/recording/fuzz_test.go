package recording

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead: the Reader never panics, reports only FormatErrors, and what it
// accepts survives Extract and a write/read round trip.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(metaLine + "\n" + `{"kind":"ws_frame","seq":0,"t_ms":0,"conn":1,"dir":"c2s","opcode":1,"data":"NGhp"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		rec, err := Read(bytes.NewReader(in), "fuzz")
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not a FormatError", err)
			}
			return
		}
		_ = rec.Payloads()
		var buf bytes.Buffer
		w, err := NewWriter(&buf, rec.Meta)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range rec.Events {
			if err := w.Write(ev); err != nil {
				t.Fatal(err)
			}
		}
		back, err := Read(&buf, "again")
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, buf.Bytes())
		}
		if len(back.Events) != len(rec.Events) || back.Meta != rec.Meta {
			t.Fatal("round trip lost events")
		}
	})
}
