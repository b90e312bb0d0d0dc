// Command siodump prints the engine.io and socket.io packets of a capture,
// one line each, for forensics.
//
//	siodump [-data N] [-hex N] [-sid] file.jsonl|file.har ...
//
// Input is a conformance recording (conformance/testdata/*/*.jsonl, see
// package conformance/recording) or a HAR file saved from the browser's
// developer tools (HAR 1.2; WebSocket messages are read from Chrome's
// _webSocketMessages). Each line shows the time in ms since the start of
// the capture, the direction (c2s = client to server), the transport, the
// engine.io packet type and data, and for messages (of socket.io captures,
// see -layer) the socket.io packet:
// type, namespace, ack id, JSON data (truncated to -data bytes) and binary
// attachments as hex (truncated to -hex bytes each). A binary packet is
// printed on its header's line with its attachments reassembled; the
// attachment messages get a short line pointing back to it.
//
// Decoding is lenient in the sense of forensics: a payload or packet that
// does not decode is printed with its error and the dump goes on.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	var o options
	flag.IntVar(&o.maxData, "data", 200, "show at most this many bytes of text data (0 = all)")
	flag.IntVar(&o.maxHex, "hex", 32, "show at most this many bytes of binary data as hex (0 = all)")
	flag.BoolVar(&o.showSID, "sid", false, "show the engine.io session id on each line")
	flag.StringVar(&o.layer, "layer", "auto", "decode messages as socket.io (sio), not at all (eio), or auto: sio for HAR files and socketio recordings")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: siodump [flags] file.jsonl|file.har ...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	status := 0
	for _, name := range flag.Args() {
		if flag.NArg() > 1 {
			fmt.Fprintf(w, "== %s\n", name)
		}
		if err := dumpFile(w, name, o); err != nil {
			w.Flush()
			fmt.Fprintf(os.Stderr, "siodump: %v\n", err)
			status = 1
		}
	}
	w.Flush()
	os.Exit(status)
}

func dumpFile(w io.Writer, name string, o options) error {
	evs, sio, err := load(name)
	if err != nil {
		return err
	}
	switch o.layer {
	case "auto":
		o.sio = sio
	case "sio":
		o.sio = true
	case "eio":
		o.sio = false
	default:
		return fmt.Errorf("-layer %q: want auto, sio or eio", o.layer)
	}
	dump(w, evs, o)
	return nil
}
