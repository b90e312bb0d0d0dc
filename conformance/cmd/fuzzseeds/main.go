// Command fuzzseeds writes the committed recordings' packets as seed corpus
// files for the decoders' fuzz targets, so `go test -fuzz` starts from real
// 1.x traffic:
//
//	engineio/packet/testdata/fuzz/FuzzDecode{Text,Binary,StringPayload,BinaryPayload,JSONPForm}/
//	socketio-parser/testdata/fuzz/FuzzDecoder/
//
// Run it from the conformance module after re-recording:
//
//	go run ./cmd/fuzzseeds -repo ..
//
// Seeds are deduplicated by content and capped in size and number, so the
// corpus stays small enough to commit.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"

	"github.com/fastsio/fastsio/conformance/recording"
	"github.com/fastsio/fastsio/conformance/siopackets"
)

func main() {
	repo := flag.String("repo", "..", "repository root")
	maxSize := flag.Int("max-size", 4096, "skip seeds larger than this many bytes")
	maxPer := flag.Int("max-per-target", 150, "at most this many seeds per fuzz target")
	flag.Parse()

	files, err := recording.Glob(filepath.Join(*repo, "conformance", "testdata"))
	if err != nil {
		log.Fatal(err)
	}
	w := &writer{maxSize: *maxSize, maxPer: *maxPer, seen: map[string]bool{}, count: map[string]int{}}
	eio := filepath.Join(*repo, "engineio", "packet", "testdata", "fuzz")
	sio := filepath.Join(*repo, "socketio-parser", "testdata", "fuzz", "FuzzDecoder")
	for _, f := range files {
		rec, err := recording.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		for _, pl := range rec.Payloads() {
			switch pl.Format {
			case recording.StringPayload, recording.JSONPResponse:
				w.add(filepath.Join(eio, "FuzzDecodeStringPayload"), pl.Body)
			case recording.BinaryPayload, recording.JSONPBuffer:
				w.add(filepath.Join(eio, "FuzzDecodeBinaryPayload"), pl.Body)
			case recording.JSONPForm:
				w.add(filepath.Join(eio, "FuzzDecodeJSONPForm"), pl.Wire)
			case recording.WSText:
				w.add(filepath.Join(eio, "FuzzDecodeText"), pl.Wire)
			case recording.WSBinary:
				w.add(filepath.Join(eio, "FuzzDecodeBinary"), pl.Wire)
			}
		}
		// The parser fuzzer's input is engine.io messages joined by NUL,
		// binary ones prefixed with 0x01 (see socketio-parser/fuzz_test.go).
		for _, p := range siopackets.Assemble(rec.Packets()) {
			var in []byte
			for i, part := range p.Parts {
				if i > 0 {
					in = append(in, 0)
				}
				if part.Binary {
					in = append(in, 1)
				}
				in = append(in, part.Data...)
			}
			w.add(sio, in)
		}
	}
	for dir, n := range w.count {
		fmt.Printf("%4d seeds  %s\n", n, dir)
	}
}

type writer struct {
	maxSize, maxPer int
	seen            map[string]bool
	count           map[string]int
}

func (w *writer) add(dir string, data []byte) {
	if len(data) == 0 || len(data) > w.maxSize || w.count[dir] >= w.maxPer {
		return
	}
	sum := sha256.Sum256(data)
	name := "rec-" + hex.EncodeToString(sum[:8])
	if w.seen[dir+name] {
		return
	}
	w.seen[dir+name] = true
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
	if filepath.Base(dir) == "FuzzDecodeJSONPForm" {
		body += "string(\"\")\n" // its second argument: a message to round-trip
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		log.Fatal(err)
	}
	w.count[dir]++
}
