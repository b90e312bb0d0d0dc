package parser

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// goldenValue converts the JSON notation of testdata files into Go values:
// objects become Object (order kept), numbers float64, and the markers
// {"$bin":"hex"} []byte, {"$date":ms} time.Time, {"$num":"NaN"|"Infinity"|...}
// float64, {"$undefined":true} and {"$fn":true} nil (JavaScript writes both
// as null inside arrays; Go has neither).
func goldenValue(t testing.TB, raw []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := goldenNext(dec)
	if err != nil {
		t.Fatalf("bad golden value %s: %v", raw, err)
	}
	return v
}

func goldenNext(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := tok.(type) {
	case json.Delim:
		if x == '[' {
			arr := []any{}
			for dec.More() {
				v, err := goldenNext(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		}
		obj := Object{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := goldenNext(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, Member{k.(string), v})
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		if len(obj) == 1 {
			switch obj[0].Key {
			case "$bin":
				return hex.DecodeString(obj[0].Value.(string))
			case "$date":
				return time.UnixMilli(int64(obj[0].Value.(float64))), nil
			case "$num":
				s := obj[0].Value.(string)
				if s == "-0" {
					return math.Copysign(0, -1), nil
				}
				return strconv.ParseFloat(s, 64)
			case "$undefined", "$fn":
				return nil, nil
			}
		}
		return obj, nil
	case json.Number:
		return strconv.ParseFloat(string(x), 64)
	default:
		return x, nil
	}
}

func hexList(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = hex.EncodeToString(b)
	}
	return out
}

func readJSONFile(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// runNode runs a Node script with the reference modules. Per the project
// rules it skips only when FASTSIO_REQUIRE_NODE is unset and node is missing.
func runNode(t *testing.T, script string, stdin []byte) []byte {
	t.Helper()
	node, err := exec.LookPath("node")
	mods := os.Getenv("FASTSIO_NODE_MODULES")
	if mods == "" {
		mods = "/work/main/tools/node/node_modules"
	}
	_, statErr := os.Stat(filepath.Join(mods, "socket.io-parser"))
	if err != nil || statErr != nil {
		if os.Getenv("FASTSIO_REQUIRE_NODE") != "" {
			t.Fatalf("FASTSIO_REQUIRE_NODE is set but node or socket.io-parser is missing: %v %v", err, statErr)
		}
		t.Skip("node or reference modules not available")
	}
	cmd := exec.Command(node, "-e", script)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	return out
}

func packetString(p Packet) string {
	id := "-"
	if p.HasID {
		id = strconv.FormatUint(p.ID, 10)
	}
	return fmt.Sprintf("{%v nsp=%q id=%s data=%s atts=%v}", p.Type, p.Namespace, id, p.Data, hexList(p.Attachments))
}

func readFileBytes(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", name)) }
