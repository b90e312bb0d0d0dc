package parser

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// Args are the arguments of a received event or ack: the top-level JSON
// array of the packet's data split once into raw elements, decoded on
// demand. For BinaryEvent/BinaryAck packets, placeholders are resolved to
// the packet's attachments when decoding.
//
// Args refer to the packet's Data and Attachments (no copy); byte slices
// produced from attachments alias Packet.Attachments. Args are safe for
// concurrent reads.
type Args struct {
	data    []byte
	spans   []argSpan
	atts    [][]byte
	resolve bool
}

type argSpan struct {
	start, end int
	ph         bool // contains a placeholder
}

// EventArgs splits the data of an EVENT or BINARY_EVENT packet into the
// event name (the first element) and the remaining arguments. Data that is
// absent, not an array, empty, or whose first element is not a JSON string
// is an error wrapping ErrParse (1.7.3 crashes or misbehaves on such data;
// the packet should be dropped).
func (p *Packet) EventArgs() (name string, args Args, err error) {
	a, err := p.args("event")
	if err != nil {
		return "", Args{}, err
	}
	if len(a.spans) == 0 {
		return "", Args{}, newErr("args", 0, ErrParse, "event data is an empty array, no event name")
	}
	first := a.spans[0]
	if a.data[first.start] != '"' {
		return "", Args{}, newErr("args", first.start, ErrParse, "event name is not a string")
	}
	name = string(appendUnquoted(nil, a.data[first.start:first.end]))
	a.spans = a.spans[1:]
	return name, a, nil
}

// AckArgs returns the arguments of an ACK or BINARY_ACK packet. Absent data
// means no arguments; data that is not an array is an error wrapping
// ErrParse.
func (p *Packet) AckArgs() (Args, error) {
	if p.Data == nil {
		return Args{}, nil
	}
	return p.args("ack")
}

func (p *Packet) args(what string) (Args, error) {
	if p.Data == nil {
		return Args{}, newErr("args", 0, ErrParse, what+" packet has no data")
	}
	s := scanner{data: p.Data, maxDepth: maxMaxDepth, natt: -1, collect: true}
	if p.Type.IsBinary() {
		s.natt = len(p.Attachments)
	}
	i := s.skipSpace(0)
	if i >= len(p.Data) || p.Data[i] != '[' {
		return Args{}, newErr("args", i, ErrParse, what+" data is not an array")
	}
	if _, ok := s.scan(); !ok {
		s.err.Op = "args"
		return Args{}, s.err
	}
	if s.phErr != nil {
		s.phErr.Op = "args"
		return Args{}, s.phErr
	}
	return Args{data: p.Data, spans: s.spans, atts: p.Attachments, resolve: p.Type.IsBinary()}, nil
}

// Len returns the number of arguments.
func (a Args) Len() int { return len(a.spans) }

// Raw returns argument i as JSON text exactly as received (placeholders not
// resolved), or nil if i is out of range. It aliases the packet's Data.
func (a Args) Raw(i int) []byte {
	if i < 0 || i >= len(a.spans) {
		return nil
	}
	return a.data[a.spans[i].start:a.spans[i].end]
}

// Binary reports whether argument i contains a resolved placeholder.
func (a Args) Binary(i int) bool {
	return i >= 0 && i < len(a.spans) && a.resolve && a.spans[i].ph
}

// Decode stores argument i in the value pointed to by v, following
// encoding/json's Unmarshal rules, except that in binary packets a
// placeholder decodes to the attachment's bytes: into a []byte (or a byte
// array, or a named []byte type) or into an interface value (as []byte),
// anywhere inside structs, maps, slices and pointers. A placeholder meeting
// any other target type is an error; a type implementing json.Unmarshaler
// receives the attachment as a base64 JSON string (what encoding/json uses
// for []byte). Errors wrap ErrParse (and the encoding/json error, if any).
func (a Args) Decode(i int, v any) error {
	if i < 0 || i >= len(a.spans) {
		return newErr("args", -1, ErrParse, "no argument "+strconv.Itoa(i)+" ("+strconv.Itoa(len(a.spans))+" arguments)")
	}
	sp := a.spans[i]
	if !a.resolve || !sp.ph {
		if err := json.Unmarshal(a.data[sp.start:sp.end], v); err != nil {
			return &OpError{Op: "args", Offset: sp.start, Reason: "argument " + strconv.Itoa(i) + ": " + err.Error(), Err: ErrParse, Cause: err}
		}
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		what := "nil"
		if v != nil {
			what = rv.Type().String()
		}
		return newErr("args", -1, ErrParse, "Decode needs a non-nil pointer, got "+what)
	}
	b := treeBuilder{data: a.data, natt: len(a.atts)}
	n := b.node(sp.start)
	if err := a.assign(&n, rv.Elem()); err != nil {
		if oe, ok := err.(*OpError); ok {
			oe.Reason = "argument " + strconv.Itoa(i) + ": " + oe.Reason
			return oe
		}
		return err
	}
	return nil
}

// Any decodes argument i into the generic form: nil, bool, float64,
// string, []any, map[string]any, and []byte for attachments.
func (a Args) Any(i int) (any, error) {
	var v any
	err := a.Decode(i, &v)
	return v, err
}

// node is the shape of a JSON value on the paths that lead to placeholders;
// subtrees without placeholders are leaves decoded by encoding/json.
type node struct {
	start, end int
	ph         bool // is or contains a placeholder
	num        int  // >= 0: this object is placeholder num
	obj        bool
	kids       []node
	keys       [][2]int // object member key spans (raw, with quotes)
}

type treeBuilder struct {
	data []byte
	natt int
}

func (b *treeBuilder) skip(i int) int {
	for i < len(b.data) && isSpace(b.data[i]) {
		i++
	}
	return i
}

// node builds the tree for the (already validated) value at i.
func (b *treeBuilder) node(i int) node {
	d := b.data
	switch d[i] {
	case '[':
		n := node{start: i, num: -1}
		i = b.skip(i + 1)
		if d[i] == ']' {
			n.end = i + 1
			return n
		}
		for {
			k := b.node(i)
			n.ph = n.ph || k.ph
			n.kids = append(n.kids, k)
			i = b.skip(k.end)
			if d[i] == ']' {
				break
			}
			i = b.skip(i + 1)
		}
		n.end = i + 1
		if !n.ph {
			n.kids = nil
		}
		return n
	case '{':
		n := node{start: i, num: -1, obj: true}
		i = b.skip(i + 1)
		if d[i] == '}' {
			n.end = i + 1
			return n
		}
		isPh, num, numOK := false, 0, false
		for {
			s := scanner{data: d}
			ke, esc := s.str(i)
			key := [2]int{i, ke}
			i = b.skip(ke)
			i = b.skip(i + 1) // ':'
			k := b.node(i)
			switch {
			case keyIs(d[key[0]:key[1]], esc, "_placeholder"):
				isPh = string(d[k.start:k.end]) == "true"
			case keyIs(d[key[0]:key[1]], esc, "num"):
				num, numOK = parseIndex(d[k.start:k.end])
			}
			n.ph = n.ph || k.ph
			n.kids = append(n.kids, k)
			n.keys = append(n.keys, key)
			i = b.skip(k.end)
			if d[i] == '}' {
				break
			}
			i = b.skip(i + 1)
		}
		n.end = i + 1
		if isPh && numOK && num < b.natt {
			return node{start: n.start, end: n.end, ph: true, num: num}
		}
		if !n.ph {
			n.kids, n.keys = nil, nil
		}
		return n
	}
	s := scanner{data: d, maxDepth: 1}
	end, _ := s.value(i, 0)
	return node{start: i, end: end, num: -1}
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	anyType             = reflect.TypeFor[any]()
)

func cannot(n *node, what string, t reflect.Type) error {
	return newErr("args", n.start, ErrParse, "cannot decode "+what+" into "+t.String())
}

// assign stores n into the settable rv.
func (a *Args) assign(n *node, rv reflect.Value) error {
	if !n.ph {
		if err := json.Unmarshal(a.data[n.start:n.end], rv.Addr().Interface()); err != nil {
			return &OpError{Op: "args", Offset: n.start, Reason: err.Error(), Err: ErrParse, Cause: err}
		}
		return nil
	}
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			rv.Set(reflect.New(rv.Type().Elem()))
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Interface && rv.CanAddr() && rv.Addr().Type().Implements(unmarshalerType) {
		text := a.appendSubstituted(nil, n)
		if err := rv.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(text); err != nil {
			return &OpError{Op: "args", Offset: n.start, Reason: err.Error(), Err: ErrParse, Cause: err}
		}
		return nil
	}
	t := rv.Type()
	emptyIface := rv.Kind() == reflect.Interface && rv.NumMethod() == 0
	if n.num >= 0 {
		b := a.atts[n.num]
		switch {
		case rv.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
			rv.SetBytes(b)
		case rv.Kind() == reflect.Array && t.Elem().Kind() == reflect.Uint8:
			reflect.Copy(rv, reflect.ValueOf(b))
			for i := len(b); i < rv.Len(); i++ {
				rv.Index(i).SetZero()
			}
		case emptyIface:
			rv.Set(reflect.ValueOf(b))
		default:
			return cannot(n, "attachment "+strconv.Itoa(n.num), t)
		}
		return nil
	}
	if !n.obj {
		switch {
		case emptyIface:
			s := make([]any, len(n.kids))
			sv := reflect.ValueOf(s)
			for i := range n.kids {
				if err := a.assign(&n.kids[i], sv.Index(i)); err != nil {
					return err
				}
			}
			rv.Set(sv)
		case rv.Kind() == reflect.Slice:
			sv := reflect.MakeSlice(t, len(n.kids), len(n.kids))
			for i := range n.kids {
				if err := a.assign(&n.kids[i], sv.Index(i)); err != nil {
					return err
				}
			}
			rv.Set(sv)
		case rv.Kind() == reflect.Array:
			for i := 0; i < rv.Len(); i++ {
				if i < len(n.kids) {
					if err := a.assign(&n.kids[i], rv.Index(i)); err != nil {
						return err
					}
				} else {
					rv.Index(i).SetZero()
				}
			}
		default:
			return cannot(n, "array with attachments", t)
		}
		return nil
	}
	switch {
	case emptyIface:
		m := make(map[string]any, len(n.kids))
		for i := range n.kids {
			ev := reflect.New(anyType).Elem()
			if err := a.assign(&n.kids[i], ev); err != nil {
				return err
			}
			m[a.key(n, i)] = ev.Interface()
		}
		rv.Set(reflect.ValueOf(m))
	case rv.Kind() == reflect.Map:
		if rv.IsNil() {
			rv.Set(reflect.MakeMapWithSize(t, len(n.kids)))
		}
		kt := t.Key()
		for i := range n.kids {
			ks := a.key(n, i)
			var kv reflect.Value
			switch {
			case kt.Kind() == reflect.String:
				kv = reflect.ValueOf(ks).Convert(kt)
			case reflect.PointerTo(kt).Implements(textUnmarshalerType):
				kp := reflect.New(kt)
				if err := kp.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(ks)); err != nil {
					return &OpError{Op: "args", Offset: n.keys[i][0], Reason: err.Error(), Err: ErrParse, Cause: err}
				}
				kv = kp.Elem()
			case kt.Kind() >= reflect.Int && kt.Kind() <= reflect.Int64:
				x, err := strconv.ParseInt(ks, 10, kt.Bits())
				if err != nil {
					return newErr("args", n.keys[i][0], ErrParse, "map key "+strconv.Quote(ks)+" is not a "+kt.String())
				}
				kv = reflect.New(kt).Elem()
				kv.SetInt(x)
			case kt.Kind() >= reflect.Uint && kt.Kind() <= reflect.Uintptr:
				x, err := strconv.ParseUint(ks, 10, kt.Bits())
				if err != nil {
					return newErr("args", n.keys[i][0], ErrParse, "map key "+strconv.Quote(ks)+" is not a "+kt.String())
				}
				kv = reflect.New(kt).Elem()
				kv.SetUint(x)
			default:
				return cannot(n, "object", t)
			}
			ev := reflect.New(t.Elem()).Elem()
			if err := a.assign(&n.kids[i], ev); err != nil {
				return err
			}
			rv.SetMapIndex(kv, ev)
		}
	case rv.Kind() == reflect.Struct:
		fields := cachedFields(t)
		for i := range n.kids {
			ks := a.key(n, i)
			f := lookupField(fields, ks)
			if f == nil {
				continue // unknown keys are ignored, as by encoding/json
			}
			fv, err := settableField(rv, f.index)
			if err != nil {
				return err
			}
			if err := a.assign(&n.kids[i], fv); err != nil {
				return err
			}
		}
	default:
		return cannot(n, "object with attachments", t)
	}
	return nil
}

func (a *Args) key(n *node, i int) string {
	k := n.keys[i]
	return string(appendUnquoted(nil, a.data[k[0]:k[1]]))
}

// lookupField finds the struct member for a JSON key: exact name first,
// then case-insensitively, like encoding/json.
func lookupField(fields []field, key string) *field {
	for i := range fields {
		if fields[i].name == key {
			return &fields[i]
		}
	}
	for i := range fields {
		if strings.EqualFold(fields[i].name, key) {
			return &fields[i]
		}
	}
	return nil
}

// settableField follows index, allocating nil embedded pointers.
func settableField(v reflect.Value, index []int) (reflect.Value, error) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, newErr("args", -1, ErrParse, "cannot set embedded pointer to unexported struct "+v.Type().Elem().String())
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, nil
}

// appendSubstituted writes n's JSON with each placeholder replaced by the
// attachment as a base64 JSON string, for json.Unmarshaler targets.
func (a *Args) appendSubstituted(dst []byte, n *node) []byte {
	switch {
	case !n.ph:
		return append(dst, a.data[n.start:n.end]...)
	case n.num >= 0:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, a.atts[n.num])
		return append(dst, '"')
	case n.obj:
		dst = append(dst, '{')
		for i := range n.kids {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, a.data[n.keys[i][0]:n.keys[i][1]]...)
			dst = append(dst, ':')
			dst = a.appendSubstituted(dst, &n.kids[i])
		}
		return append(dst, '}')
	}
	dst = append(dst, '[')
	for i := range n.kids {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = a.appendSubstituted(dst, &n.kids[i])
	}
	return append(dst, ']')
}
