package socketio

import (
	"strings"
	"unicode/utf8"
)

// QueryParam is one key of a parsed query string with all its values in
// order of appearance.
type QueryParam struct {
	Key    string
	Values []string
}

// Query is a parsed query string that keeps the key order, because 1.7.3
// serialises handshake.query with its keys in insertion order. It follows
// Node's querystring.parse: "+" is a space, a key without "=" has the value
// "", repeated keys collect several values, malformed %-escapes stay literal.
type Query []QueryParam

// Get returns the first value of key, or "".
func (q Query) Get(key string) string {
	for i := range q {
		if q[i].Key == key && len(q[i].Values) > 0 {
			return q[i].Values[0]
		}
	}
	return ""
}

// Has reports whether key is present.
func (q Query) Has(key string) bool {
	for i := range q {
		if q[i].Key == key {
			return true
		}
	}
	return false
}

// Values returns every value of key.
func (q Query) Values(key string) []string {
	for i := range q {
		if q[i].Key == key {
			return q[i].Values
		}
	}
	return nil
}

// MarshalJSON writes the query the way 1.7.3 serialises handshake.query:
// a key with one value maps to a string, a repeated key to an array.
func (q Query) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 16*len(q)+2)
	b = append(b, '{')
	for i, p := range q {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, p.Key)
		b = append(b, ':')
		if len(p.Values) == 1 {
			b = appendJSONString(b, p.Values[0])
			continue
		}
		b = append(b, '[')
		for j, v := range p.Values {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// parseQuery parses raw (without the leading "?") like Node's querystring.
func parseQuery(raw string) Query {
	var q Query
	for len(raw) > 0 {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = qsUnescape(k), qsUnescape(v)
		q = q.add(k, v)
	}
	return q
}

func (q Query) add(k, v string) Query {
	for i := range q {
		if q[i].Key == k {
			q[i].Values = append(q[i].Values, v)
			return q
		}
	}
	return append(q, QueryParam{Key: k, Values: []string{v}})
}

// merge returns nsp with url merged over it: keys of nsp first, values of
// url win, then url's remaining keys (JavaScript Object.assign order).
func mergeQuery(nsp, url Query) Query {
	if len(nsp) == 0 {
		return url
	}
	out := make(Query, len(nsp), len(nsp)+len(url))
	copy(out, nsp)
	for _, p := range url {
		replaced := false
		for i := range out {
			if out[i].Key == p.Key {
				out[i] = p
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, p)
		}
	}
	return out
}

// splitNamespace splits a CONNECT packet's nsp ("/chat?x=1#h") into the
// namespace path and its raw query, like url.parse(nsp).pathname/query.
func splitNamespace(s string) (name, rawQuery string) {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	name, rawQuery, _ = strings.Cut(s, "?")
	return name, rawQuery
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// qsUnescape decodes like Node's querystring.unescape: "+" to space, valid
// %XX to the byte, anything malformed left as is. Invalid UTF-8 produced by
// escapes becomes U+FFFD like Buffer#toString.
func qsUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s):
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b = append(b, h<<4|l)
				i += 2
			} else {
				b = append(b, c)
			}
		default:
			b = append(b, c)
		}
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(b)
}

// appendJSONString writes s as a JSON string the way JSON.stringify does:
// only '"', '\\' and control characters are escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= 0x20:
			b = append(b, c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(b, '"')
}
