package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzFromHAR: any HAR-shaped input converts without panicking, and what
// converts can be dumped.
func FuzzFromHAR(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "tiny.har")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"log":{"entries":[]}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		evs, err := fromHAR(in, "fuzz.har")
		if err != nil {
			return
		}
		dump(io.Discard, evs, options{maxData: 10, maxHex: 4, sio: true})
	})
}
