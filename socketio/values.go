package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	parser "github.com/fastsio/fastsio/socketio-parser"
)

// Values returns every argument as a Go value that re-encodes the way
// 1.7.3 would re-emit it (JSON.parse then JSON.stringify): objects become
// parser.Object with their key order, arrays []any, numbers float64,
// binary attachments []byte. Use it to forward arguments unchanged
// (echo, relay); decode with Args.Decode when the shape is known.
func Values(args Args) ([]any, error) {
	out := make([]any, args.Len())
	for i := range out {
		v, err := orderedValue(args.Raw(i))
		if err != nil {
			return nil, err
		}
		if args.Binary(i) {
			// Put the attachments where the placeholders are.
			generic, err := args.Any(i)
			if err != nil {
				return nil, err
			}
			v = mergeBinary(v, generic)
		}
		out[i] = v
	}
	return out, nil
}

// orderedValue parses one JSON value keeping object key order. The input
// was already validated by the parser; malformed text is still reported,
// never trusted.
func orderedValue(raw []byte) (any, error) {
	p := jsonParser{b: raw}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if p.skip(); p.i != len(p.b) {
		return nil, errBadJSON
	}
	return v, nil
}

var errBadJSON = errors.New("socketio: malformed JSON argument")

type jsonParser struct {
	b []byte
	i int
}

func (p *jsonParser) skip() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > 10000 {
		return nil, errBadJSON
	}
	p.skip()
	if p.i >= len(p.b) {
		return nil, errBadJSON
	}
	switch c := p.b[p.i]; {
	case c == '{':
		p.i++
		obj := parser.Object{}
		p.skip()
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return obj, nil
		}
		for {
			p.skip()
			key, err := p.str()
			if err != nil {
				return nil, err
			}
			p.skip()
			if p.i >= len(p.b) || p.b[p.i] != ':' {
				return nil, errBadJSON
			}
			p.i++
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			// JSON.parse keeps the last of duplicate keys, at the
			// position of the first.
			replaced := false
			for j := range obj {
				if obj[j].Key == key {
					obj[j].Value, replaced = v, true
					break
				}
			}
			if !replaced {
				obj = append(obj, parser.Member{Key: key, Value: v})
			}
			p.skip()
			if p.i >= len(p.b) {
				return nil, errBadJSON
			}
			p.i++
			switch p.b[p.i-1] {
			case ',':
				continue
			case '}':
				return obj, nil
			}
			return nil, errBadJSON
		}
	case c == '[':
		p.i++
		arr := []any{}
		p.skip()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return arr, nil
		}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
			p.skip()
			if p.i >= len(p.b) {
				return nil, errBadJSON
			}
			p.i++
			switch p.b[p.i-1] {
			case ',':
				continue
			case ']':
				return arr, nil
			}
			return nil, errBadJSON
		}
	case c == '"':
		return p.str()
	case c == 't' && bytes.HasPrefix(p.b[p.i:], []byte("true")):
		p.i += 4
		return true, nil
	case c == 'f' && bytes.HasPrefix(p.b[p.i:], []byte("false")):
		p.i += 5
		return false, nil
	case c == 'n' && bytes.HasPrefix(p.b[p.i:], []byte("null")):
		p.i += 4
		return nil, nil
	case c == '-' || c >= '0' && c <= '9':
		j := p.i + 1
		for j < len(p.b) && strings.IndexByte("0123456789.eE+-", p.b[j]) >= 0 {
			j++
		}
		f, err := strconv.ParseFloat(string(p.b[p.i:j]), 64)
		if err != nil {
			return nil, errBadJSON
		}
		p.i = j
		return f, nil
	}
	return nil, errBadJSON
}

// str reads a JSON string at p.i.
func (p *jsonParser) str() (string, error) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", errBadJSON
	}
	start := p.i
	escaped := false
	for j := start + 1; j < len(p.b); j++ {
		switch p.b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			p.i = j + 1
			if !escaped {
				return string(p.b[start+1 : j]), nil
			}
			var s string
			if err := json.Unmarshal(p.b[start:j+1], &s); err != nil {
				return "", errBadJSON
			}
			return s, nil
		}
	}
	return "", errBadJSON
}

// mergeBinary replaces placeholder objects in ordered by the []byte found
// at the same place in generic (Args.Any's result).
func mergeBinary(ordered, generic any) any {
	switch g := generic.(type) {
	case []byte:
		return g
	case []any:
		if o, ok := ordered.([]any); ok && len(o) == len(g) {
			for i := range o {
				o[i] = mergeBinary(o[i], g[i])
			}
		}
	case map[string]any:
		if o, ok := ordered.(parser.Object); ok {
			for i := range o {
				if gv, ok := g[o[i].Key]; ok {
					o[i].Value = mergeBinary(o[i].Value, gv)
				}
			}
		}
	}
	return ordered
}
