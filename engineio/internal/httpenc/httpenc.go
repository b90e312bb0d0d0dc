// Package httpenc chooses and applies the Content-Encoding of polling
// responses the way engine.io 1.8.3 does (accepts 1.3.3 / negotiator 0.6.1
// with the server's list gzip, deflate).
package httpenc

import (
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"
)

// Encoding is a negotiated content coding.
type Encoding uint8

// The codings engine.io offers, in its preference order.
const (
	None Encoding = iota
	Gzip
	Deflate // zlib format (RFC 1950), as Node's zlib.createDeflate
)

// String returns the Content-Encoding token.
func (e Encoding) String() string {
	switch e {
	case Gzip:
		return "gzip"
	case Deflate:
		return "deflate"
	}
	return ""
}

type spec struct {
	name string
	q    float64
	i    int
}

type priority struct {
	q    float64
	s    int
	o, i int
}

// Negotiate returns the coding a client with the given Accept-Encoding header
// value gets: the best of gzip and deflate by q-value, then specificity (an
// exact token beats "*"), then position in the header, then server
// preference; None when neither is acceptable (q=0, absent, empty header).
func Negotiate(acceptEncoding []byte) Encoding {
	if len(acceptEncoding) == 0 {
		return None
	}
	var specs [16]spec
	list := specs[:0]
	idx := 0
	for part := range strings.SplitSeq(string(acceptEncoding), ",") {
		if s, ok := parseSpec(strings.TrimSpace(part), idx); ok {
			list = append(list, s)
		}
		idx++
	}
	best, bestP := None, priority{}
	for n, enc := range [...]Encoding{Gzip, Deflate} {
		p := priority{o: -1}
		for _, s := range list {
			sp := 0
			if strings.EqualFold(s.name, enc.String()) {
				sp = 1
			} else if s.name != "*" {
				continue
			}
			c := priority{q: s.q, s: sp, o: s.i, i: n}
			// negotiator keeps the later spec on ties (comparison "< 0").
			if p.s != c.s {
				if c.s > p.s {
					p = c
				}
			} else if p.q != c.q {
				if c.q > p.q {
					p = c
				}
			} else if c.o > p.o {
				p = c
			}
		}
		if !(p.q > 0) {
			continue
		}
		if best == None || better(p, bestP) {
			best, bestP = enc, p
		}
	}
	return best
}

// better reports whether a sorts before b (negotiator compareSpecs).
func better(a, b priority) bool {
	switch {
	case a.q != b.q:
		return a.q > b.q
	case a.s != b.s:
		return a.s > b.s
	case a.o != b.o:
		return a.o < b.o
	}
	return a.i < b.i
}

// parseSpec parses one "token[;q=x][;...]" element like negotiator's regexp
// ^\s*([^\s;]+)\s*(?:;(.*))?$ and parseFloat.
func parseSpec(s string, i int) (spec, bool) {
	end := strings.IndexAny(s, " \t\r\n;")
	name, rest := s, ""
	if end >= 0 {
		name, rest = s[:end], strings.TrimLeft(s[end:], " \t\r\n")
	}
	if name == "" || (rest != "" && rest[0] != ';') {
		return spec{}, false
	}
	q := 1.0
	if rest != "" {
		for p := range strings.SplitSeq(rest[1:], ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if k == "q" {
				q = parseFloatPrefix(v)
				break
			}
		}
	}
	return spec{name: name, q: q, i: i}, true
}

// parseFloatPrefix mimics JavaScript parseFloat: leading whitespace, the
// longest numeric prefix, NaN (returned as -1, never acceptable) otherwise.
func parseFloatPrefix(v string) float64 {
	v = strings.TrimLeft(v, " \t\r\n")
	n := 0
	if n < len(v) && (v[n] == '+' || v[n] == '-') {
		n++
	}
	digits := 0
	for n < len(v) && v[n] >= '0' && v[n] <= '9' {
		n, digits = n+1, digits+1
	}
	if n < len(v) && v[n] == '.' {
		n++
		for n < len(v) && v[n] >= '0' && v[n] <= '9' {
			n, digits = n+1, digits+1
		}
	}
	if digits == 0 {
		return -1
	}
	if n < len(v) && (v[n] == 'e' || v[n] == 'E') {
		m := n + 1
		if m < len(v) && (v[m] == '+' || v[m] == '-') {
			m++
		}
		if m < len(v) && v[m] >= '0' && v[m] <= '9' {
			for m < len(v) && v[m] >= '0' && v[m] <= '9' {
				m++
			}
			n = m
		}
	}
	f, err := strconv.ParseFloat(v[:n], 64)
	if err != nil {
		return -1
	}
	return f
}

// Append appends src compressed with e at the given level (1..9) to dst.
func Append(dst, src []byte, e Encoding, level int) []byte {
	switch e {
	case Gzip:
		return fasthttp.AppendGzipBytesLevel(dst, src, level)
	case Deflate:
		return fasthttp.AppendDeflateBytesLevel(dst, src, level)
	}
	return append(dst, src...)
}
