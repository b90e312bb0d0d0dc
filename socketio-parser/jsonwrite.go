package parser

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Object is a JSON object whose members keep their order, the Go stand-in
// for a JavaScript object literal. It is written like JSON.stringify writes
// an object: members whose key is an array index ("0", "7", "4294967294";
// canonical decimal below 2^32-1) first in ascending numeric order, then
// the others in slice order. Keys should be unique (JavaScript objects
// cannot repeat a key); duplicates are written as given.
type Object []Member

// Member is one key/value pair of an [Object].
type Member struct {
	Key   string
	Value any
}

// maxEncodeDepth bounds nesting while writing Go values; it turns cyclic
// values (JSON.stringify throws on them) into an error instead of a stack
// overflow.
const maxEncodeDepth = 1000

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	timeType          = reflect.TypeFor[time.Time]()
	numberType        = reflect.TypeFor[json.Number]()
	objectType        = reflect.TypeFor[Object]()
)

// AppendJSON appends v as JSON to dst, byte for byte as JavaScript's
// JSON.stringify would write the corresponding JavaScript value, and
// returns the extended buffer and attachment list.
//
// Every []byte reachable from v (through slices, arrays, maps, struct
// fields, pointers, interfaces, Object) is written as the placeholder
// {"_placeholder":true,"num":N} with N = len(atts) at that point, and the
// slice itself (not a copy) is appended to atts: depth-first, in the order
// the values are written, exactly like socket.io-parser's deconstructPacket.
// A nil []byte is written as null and is not an attachment; an empty non-nil
// []byte is. So "has binary" (choose BinaryEvent/BinaryAck) is simply
// len(atts) grew.
//
// Mapping of Go values (differences from encoding/json are deliberate, to
// match JSON.stringify):
//   - strings: only '"', '\\' and control characters are escaped (\b \f \n
//     \r \t, others as lowercase \u00xx); '<', '>', '&', U+2028, U+2029 and
//     all other characters are written raw; invalid UTF-8 becomes U+FFFD.
//   - float64/float32: ECMAScript Number#toString (1e+21, 1e-7,
//     0.30000000000000004, -0 as 0); NaN and ±Inf as null (JSON.stringify
//     does the same in arrays and objects). float32 uses its own shortest
//     form (float32(0.1) is 0.1). Integers are written exactly, even above
//     2^53 where JavaScript would round.
//   - maps: keys from string, integer or encoding.TextMarshaler key types;
//     Go maps have no insertion order, so keys are written in JavaScript
//     order with array-index keys first (ascending) and the rest sorted
//     bytewise. Use [Object] when the order matters.
//   - structs: encoding/json field rules (json tags, omitempty, omitzero,
//     ",string", "-", embedded structs); members ordered like a JavaScript
//     object: array-index names first, then declaration order.
//   - time.Time: like a JavaScript Date, "1970-01-01T00:00:00.000Z" (UTC,
//     milliseconds).
//   - json.Marshaler (including json.RawMessage) and encoding.TextMarshaler
//     are honoured; MarshalJSON output is validated and compacted but not
//     re-escaped. Raw JSON cannot carry binary: a []byte must be a Go value
//     to become an attachment.
//   - nil pointers, interfaces, slices and maps are null.
//   - channels, functions, complex numbers, unsupported map keys and values
//     nested deeper than 1000 levels (e.g. cycles) yield an error wrapping
//     [ErrUnsupported]; dst and atts are then returned unchanged.
//
// AppendJSON is safe for concurrent use.
func AppendJSON(dst []byte, atts [][]byte, v any) ([]byte, [][]byte, error) {
	w := jsonWriter{buf: dst, atts: atts}
	if err := w.value(v); err != nil {
		return dst, atts, err
	}
	return w.buf, w.atts, nil
}

// AppendEventData appends the event array ["name",args...] as JSON to dst
// with the [AppendJSON] rules.
func AppendEventData(dst []byte, atts [][]byte, name string, args []any) ([]byte, [][]byte, error) {
	w := jsonWriter{buf: dst, atts: atts}
	w.buf = append(w.buf, '[')
	w.buf = appendJSString(w.buf, name)
	for _, a := range args {
		w.buf = append(w.buf, ',')
		if err := w.value(a); err != nil {
			return dst, atts, err
		}
	}
	w.buf = append(w.buf, ']')
	return w.buf, w.atts, nil
}

// NewEvent builds an EVENT packet for namespace nsp with data
// ["name",args...], or a BINARY_EVENT if any []byte is reachable from args
// (socket.io's has-binary check). Set ID/HasID on the result to request an
// ack.
func NewEvent(nsp, name string, args ...any) (Packet, error) {
	data, atts, err := AppendEventData(nil, nil, name, args)
	if err != nil {
		return Packet{}, err
	}
	t := Event
	if len(atts) > 0 {
		t = BinaryEvent
	}
	return Packet{Type: t, Namespace: nsp, Data: data, Attachments: atts}, nil
}

// NewAck builds the ACK (or BINARY_ACK, if args contain []byte) answering
// ack id on namespace nsp, with data [args...].
func NewAck(nsp string, id uint64, args ...any) (Packet, error) {
	if args == nil {
		args = []any{}
	}
	data, atts, err := AppendJSON(nil, nil, args)
	if err != nil {
		return Packet{}, err
	}
	t := Ack
	if len(atts) > 0 {
		t = BinaryAck
	}
	return Packet{Type: t, Namespace: nsp, ID: id, HasID: true, Data: data, Attachments: atts}, nil
}

// NewError builds an ERROR packet for namespace nsp. data nil means no data
// ("4/auth"); a string gives "4/auth,\"msg\"", a map or struct an object,
// like 1.7.3's err.message / err.data. ERROR packets cannot carry binary:
// data containing []byte is an error wrapping ErrUnsupported.
func NewError(nsp string, data any) (Packet, error) {
	p := Packet{Type: Error, Namespace: nsp}
	if data == nil {
		return p, nil
	}
	b, atts, err := AppendJSON(nil, nil, data)
	if err != nil {
		return Packet{}, err
	}
	if len(atts) > 0 {
		return Packet{}, unsupported("ERROR packet data contains []byte")
	}
	p.Data = b
	return p, nil
}

type jsonWriter struct {
	buf   []byte
	atts  [][]byte
	depth int
}

func unsupported(reason string) error { return newErr("encode", -1, ErrUnsupported, reason) }

func (w *jsonWriter) placeholder(b []byte) {
	w.buf = append(w.buf, `{"_placeholder":true,"num":`...)
	w.buf = strconv.AppendInt(w.buf, int64(len(w.atts)), 10)
	w.buf = append(w.buf, '}')
	w.atts = append(w.atts, b)
}

// value writes v; the type switch covers the common argument types without
// reflection.
func (w *jsonWriter) value(v any) error {
	switch x := v.(type) {
	case nil:
		w.buf = append(w.buf, "null"...)
	case string:
		w.buf = appendJSString(w.buf, x)
	case bool:
		w.buf = strconv.AppendBool(w.buf, x)
	case int:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case int64:
		w.buf = strconv.AppendInt(w.buf, x, 10)
	case int32:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case uint64:
		w.buf = strconv.AppendUint(w.buf, x, 10)
	case float64:
		w.buf = appendJSFloat(w.buf, x, 64)
	case []byte:
		if x == nil {
			w.buf = append(w.buf, "null"...)
		} else {
			w.placeholder(x)
		}
	case json.RawMessage:
		return w.raw(x)
	case json.Number:
		return w.number(x)
	case []any:
		if x == nil {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		if err := w.enter(); err != nil {
			return err
		}
		w.buf = append(w.buf, '[')
		for i, e := range x {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if err := w.value(e); err != nil {
				return err
			}
		}
		w.buf = append(w.buf, ']')
		w.depth--
	case Object:
		return w.object(x)
	case map[string]any:
		if x == nil {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		if err := w.enter(); err != nil {
			return err
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, jsKeyCompare)
		w.buf = append(w.buf, '{')
		for i, k := range keys {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = appendJSString(w.buf, k)
			w.buf = append(w.buf, ':')
			if err := w.value(x[k]); err != nil {
				return err
			}
		}
		w.buf = append(w.buf, '}')
		w.depth--
	default:
		return w.reflectValue(reflect.ValueOf(v))
	}
	return nil
}

func (w *jsonWriter) enter() error {
	w.depth++
	if w.depth > maxEncodeDepth {
		return unsupported("value nested deeper than " + strconv.Itoa(maxEncodeDepth) + " levels (cyclic?)")
	}
	return nil
}

func (w *jsonWriter) object(o Object) error {
	if o == nil {
		w.buf = append(w.buf, "null"...)
		return nil
	}
	if err := w.enter(); err != nil {
		return err
	}
	w.buf = append(w.buf, '{')
	first := true
	member := func(m *Member) error {
		if !first {
			w.buf = append(w.buf, ',')
		}
		first = false
		w.buf = appendJSString(w.buf, m.Key)
		w.buf = append(w.buf, ':')
		return w.value(m.Value)
	}
	// Array-index keys first, ascending, as JavaScript orders own properties.
	var idx []int
	for i := range o {
		if _, ok := arrayIndex(o[i].Key); ok {
			idx = append(idx, i)
		}
	}
	if len(idx) > 0 {
		slices.SortStableFunc(idx, func(a, b int) int {
			x, _ := arrayIndex(o[a].Key)
			y, _ := arrayIndex(o[b].Key)
			return cmpU(x, y)
		})
		for _, i := range idx {
			if err := member(&o[i]); err != nil {
				return err
			}
		}
	}
	for i := range o {
		if len(idx) > 0 {
			if _, ok := arrayIndex(o[i].Key); ok {
				continue
			}
		}
		if err := member(&o[i]); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, '}')
	w.depth--
	return nil
}

func cmpU(x, y uint64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// arrayIndex reports whether k is a JavaScript array index: the canonical
// decimal form of an integer in [0, 2^32-2]. Such keys are enumerated first.
func arrayIndex(k string) (uint64, bool) {
	if len(k) == 0 || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, n < 1<<32-1
}

// jsKeyCompare orders keys like JavaScript enumerates them, with bytewise
// order standing in for the insertion order Go maps do not have.
func jsKeyCompare(a, b string) int {
	x, ai := arrayIndex(a)
	y, bi := arrayIndex(b)
	switch {
	case ai && bi:
		return cmpU(x, y)
	case ai:
		return -1
	case bi:
		return 1
	}
	return strings.Compare(a, b)
}

func (w *jsonWriter) raw(b []byte) error {
	if b == nil {
		w.buf = append(w.buf, "null"...)
		return nil
	}
	out, err := appendCompact(w.buf, b)
	if err != nil {
		return err
	}
	w.buf = out
	return nil
}

// number writes a json.Number verbatim after checking it is a JSON number
// ("" is 0, as in encoding/json).
func (w *jsonWriter) number(n json.Number) error {
	if n == "" {
		w.buf = append(w.buf, '0')
		return nil
	}
	s := scanner{data: []byte(n)}
	if s.number(0) != len(n) {
		return unsupported("invalid json.Number " + strconv.Quote(string(n)))
	}
	w.buf = append(w.buf, n...)
	return nil
}

func (w *jsonWriter) reflectValue(v reflect.Value) error {
	if !v.IsValid() {
		w.buf = append(w.buf, "null"...)
		return nil
	}
	t := v.Type()
	if t == numberType {
		return w.number(json.Number(v.String()))
	}
	if t == objectType && v.CanInterface() {
		return w.object(v.Convert(objectType).Interface().(Object))
	}
	if t == timeType && v.CanInterface() {
		w.buf = appendJSDate(w.buf, v.Interface().(time.Time))
		return nil
	}
	if ti := methodsOf(t); ti != 0 && v.CanInterface() {
		switch {
		case ti&valMarshaler != 0:
			return w.marshaler(v)
		case ti&ptrMarshaler != 0 && v.CanAddr():
			return w.marshaler(v.Addr())
		case ti&valText != 0:
			return w.textMarshaler(v)
		case ti&ptrText != 0 && v.CanAddr():
			return w.textMarshaler(v.Addr())
		}
	}
	switch t.Kind() {
	case reflect.Bool:
		w.buf = strconv.AppendBool(w.buf, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		w.buf = strconv.AppendInt(w.buf, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		w.buf = strconv.AppendUint(w.buf, v.Uint(), 10)
	case reflect.Float32:
		w.buf = appendJSFloat(w.buf, v.Float(), 32)
	case reflect.Float64:
		w.buf = appendJSFloat(w.buf, v.Float(), 64)
	case reflect.String:
		w.buf = appendJSString(w.buf, v.String())
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		if err := w.enter(); err != nil {
			return err
		}
		var err error
		if t.Kind() == reflect.Interface && v.CanInterface() {
			err = w.value(v.Elem().Interface()) // fast path for the dynamic type
		} else {
			err = w.reflectValue(v.Elem()) // keeps addressability for pointer-receiver marshalers
		}
		w.depth--
		return err
	case reflect.Slice:
		if v.IsNil() {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		if isBytes(t) {
			w.placeholder(v.Bytes())
			return nil
		}
		return w.array(v)
	case reflect.Array:
		return w.array(v)
	case reflect.Map:
		return w.mapValue(v)
	case reflect.Struct:
		return w.structValue(v)
	default:
		return unsupported("cannot encode " + t.String())
	}
	return nil
}

// Which marshaling interfaces a type has, cached: Implements is too slow to
// ask for every value.
const (
	valMarshaler = 1 << iota
	ptrMarshaler
	valText
	ptrText
)

var methodCache sync.Map // reflect.Type -> int

func methodsOf(t reflect.Type) int {
	if m, ok := methodCache.Load(t); ok {
		return m.(int)
	}
	m := 0
	if t.Implements(marshalerType) {
		m |= valMarshaler
	}
	if t.Implements(textMarshalerType) {
		m |= valText
	}
	if t.Kind() != reflect.Pointer {
		p := reflect.PointerTo(t)
		if p.Implements(marshalerType) {
			m |= ptrMarshaler
		}
		if p.Implements(textMarshalerType) {
			m |= ptrText
		}
	}
	methodCache.Store(t, m)
	return m
}

// isBytes reports whether a slice type is binary data: elements of kind
// uint8 that do not marshal themselves (like encoding/json's []byte rule).
func isBytes(t reflect.Type) bool {
	e := t.Elem()
	if e.Kind() != reflect.Uint8 {
		return false
	}
	p := reflect.PointerTo(e)
	return !e.Implements(marshalerType) && !e.Implements(textMarshalerType) &&
		!p.Implements(marshalerType) && !p.Implements(textMarshalerType)
}

func (w *jsonWriter) marshaler(v reflect.Value) error {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		w.buf = append(w.buf, "null"...)
		return nil
	}
	b, err := v.Interface().(json.Marshaler).MarshalJSON()
	if err != nil {
		return &OpError{Op: "encode", Offset: -1, Reason: "MarshalJSON of " + v.Type().String() + ": " + err.Error(), Err: ErrUnsupported}
	}
	out, err := appendCompact(w.buf, b)
	if err != nil {
		return &OpError{Op: "encode", Offset: -1, Reason: "invalid MarshalJSON output of " + v.Type().String() + ": " + err.Error(), Err: ErrUnsupported}
	}
	w.buf = out
	return nil
}

func (w *jsonWriter) textMarshaler(v reflect.Value) error {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		w.buf = append(w.buf, "null"...)
		return nil
	}
	b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
	if err != nil {
		return &OpError{Op: "encode", Offset: -1, Reason: "MarshalText of " + v.Type().String() + ": " + err.Error(), Err: ErrUnsupported}
	}
	w.buf = appendJSString(w.buf, string(b))
	return nil
}

func (w *jsonWriter) array(v reflect.Value) error {
	if err := w.enter(); err != nil {
		return err
	}
	w.buf = append(w.buf, '[')
	n := v.Len()
	for i := 0; i < n; i++ {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		if err := w.reflectValue(v.Index(i)); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, ']')
	w.depth--
	return nil
}

type mapEntry struct {
	key string
	val reflect.Value
}

func (w *jsonWriter) mapValue(v reflect.Value) error {
	if v.IsNil() {
		w.buf = append(w.buf, "null"...)
		return nil
	}
	kt := v.Type().Key()
	if kt.Kind() != reflect.String && !kt.Implements(textMarshalerType) {
		switch kt.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		default:
			return unsupported("unsupported map key type " + kt.String())
		}
	}
	if err := w.enter(); err != nil {
		return err
	}
	entries := make([]mapEntry, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		k := it.Key()
		var ks string
		switch {
		case k.Kind() == reflect.String:
			ks = k.String()
		case k.CanInterface() && kt.Implements(textMarshalerType):
			if k.Kind() == reflect.Pointer && k.IsNil() {
				break
			}
			b, err := k.Interface().(encoding.TextMarshaler).MarshalText()
			if err != nil {
				return &OpError{Op: "encode", Offset: -1, Reason: "MarshalText of map key " + kt.String() + ": " + err.Error(), Err: ErrUnsupported}
			}
			ks = string(b)
		case k.CanInt():
			ks = strconv.FormatInt(k.Int(), 10)
		case k.CanUint():
			ks = strconv.FormatUint(k.Uint(), 10)
		default:
			return unsupported("unsupported map key type " + kt.String())
		}
		entries = append(entries, mapEntry{ks, it.Value()})
	}
	slices.SortFunc(entries, func(a, b mapEntry) int { return jsKeyCompare(a.key, b.key) })
	w.buf = append(w.buf, '{')
	for i := range entries {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendJSString(w.buf, entries[i].key)
		w.buf = append(w.buf, ':')
		if err := w.reflectValue(entries[i].val); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, '}')
	w.depth--
	return nil
}

func (w *jsonWriter) structValue(v reflect.Value) error {
	if err := w.enter(); err != nil {
		return err
	}
	fields := cachedFields(v.Type())
	w.buf = append(w.buf, '{')
	first := true
	for i := range fields {
		f := &fields[i]
		fv, ok := fieldByIndex(v, f.index)
		if !ok {
			continue
		}
		if f.omitEmpty && isEmptyValue(fv) {
			continue
		}
		if f.omitZero && isZero(fv) {
			continue
		}
		if !first {
			w.buf = append(w.buf, ',')
		}
		first = false
		w.buf = append(w.buf, f.keyJSON...)
		if f.quoted {
			// ",string": the scalar's JSON text, as a JSON string.
			var tmp jsonWriter
			if err := tmp.reflectValue(fv); err != nil {
				return err
			}
			w.buf = appendJSString(w.buf, string(tmp.buf))
			continue
		}
		if err := w.reflectValue(fv); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, '}')
	w.depth--
	return nil
}

// fieldByIndex follows an embedded-field path; ok is false when it runs
// through a nil embedded pointer (the field is then absent, as in
// encoding/json).
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

type isZeroer interface{ IsZero() bool }

func isZero(v reflect.Value) bool {
	if v.CanInterface() {
		if z, ok := v.Interface().(isZeroer); ok {
			if v.Kind() == reflect.Pointer && v.IsNil() {
				return true
			}
			return z.IsZero()
		}
	}
	return v.IsZero()
}

// field is one JSON member of a struct type.
type field struct {
	name      string
	keyJSON   []byte // `"name":`
	tagged    bool
	index     []int
	typ       reflect.Type
	omitEmpty bool
	omitZero  bool
	quoted    bool
}

var fieldCache sync.Map // reflect.Type -> []field

func cachedFields(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	f, _ := fieldCache.LoadOrStore(t, typeFields(t))
	return f.([]field)
}

// typeFields lists the JSON members of struct type t following the
// encoding/json rules (breadth-first through embedded structs, Go's
// dominance rules for duplicate names), then orders them like JavaScript
// enumerates object keys.
func typeFields(t reflect.Type) []field {
	type item struct {
		typ   reflect.Type
		index []int
	}
	var current []item
	next := []item{{typ: t}}
	var count map[reflect.Type]int
	nextCount := map[reflect.Type]int{}
	visited := map[reflect.Type]bool{}
	var fields []field
	for len(next) > 0 {
		current, next = next, current[:0]
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, it := range current {
			if visited[it.typ] {
				continue
			}
			visited[it.typ] = true
			for i := 0; i < it.typ.NumField(); i++ {
				sf := it.typ.Field(i)
				if sf.Anonymous {
					ft := sf.Type
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := make([]int, len(it.index)+1)
				copy(index, it.index)
				index[len(it.index)] = i
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
					tagged := name != ""
					if name == "" {
						name = sf.Name
					}
					f := field{name: name, tagged: tagged, index: index, typ: sf.Type}
					for o := range strings.SplitSeq(opts, ",") {
						switch o {
						case "omitempty":
							f.omitEmpty = true
						case "omitzero":
							f.omitZero = true
						case "string":
							switch ft.Kind() {
							case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
								reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
								reflect.Float32, reflect.Float64, reflect.String:
								f.quoted = sf.Type.Kind() != reflect.Pointer
							}
						}
					}
					f.keyJSON = append(appendJSString(nil, name), ':')
					fields = append(fields, f)
					if count[it.typ] > 1 {
						// Two embedded copies at one level annihilate each other.
						fields = append(fields, fields[len(fields)-1])
					}
					continue
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, item{typ: ft, index: index})
				}
			}
		}
	}
	slices.SortFunc(fields, func(a, b field) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := len(a.index) - len(b.index); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	out := fields[:0]
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].name == fields[i].name {
			j++
		}
		group := fields[i:j]
		i = j
		if len(group) == 1 {
			out = append(out, group[0])
			continue
		}
		depth := len(group[0].index)
		n := 0
		for n < len(group) && len(group[n].index) == depth {
			n++
		}
		if n == 1 || (group[0].tagged && !group[1].tagged) {
			out = append(out, group[0])
		}
	}
	fields = out
	slices.SortFunc(fields, func(a, b field) int {
		x, ai := arrayIndex(a.name)
		y, bi := arrayIndex(b.name)
		switch {
		case ai && bi:
			return cmpU(x, y)
		case ai:
			return -1
		case bi:
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	return fields
}

func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c > 127):
			return false
		}
	}
	return true
}

// appendJSString appends s as a JSON string the way JSON.stringify writes
// it: escapes only '"', '\\' and U+0000..U+001F.
func appendJSString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\ufffd"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSDate writes t like JavaScript's Date#toJSON (toISOString).
func appendJSDate(dst []byte, t time.Time) []byte {
	t = t.UTC()
	y := t.Year()
	dst = append(dst, '"')
	switch {
	case y >= 0 && y <= 9999:
		dst = t.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	default:
		// Expanded years: sign and six digits, e.g. "+010000-01-01T...".
		if y < 0 {
			dst = append(dst, '-')
			y = -y
		} else {
			dst = append(dst, '+')
		}
		ys := strconv.Itoa(y)
		for i := len(ys); i < 6; i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, ys...)
		dst = t.AppendFormat(dst, "-01-02T15:04:05.000Z")
	}
	return append(dst, '"')
}
