package parser

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner validates JSON text (the grammar JSON.parse accepts), enforces a
// nesting limit, finds socket.io placeholders and optionally records the
// element spans of a top-level array, all in one pass without allocating.
type scanner struct {
	data     []byte
	maxDepth int
	// natt >= 0: placeholders are interpreted (binary packet with natt
	// attachments) and their num validated; natt < 0: they are plain objects.
	natt  int
	err   *OpError // first syntax/limit error; stops the scan
	phErr *OpError // first bad placeholder; the scan continues
	// collect asks for the spans of a top-level array's elements.
	collect bool
	spans   []argSpan
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) skipSpace(i int) int {
	for i < len(s.data) && isSpace(s.data[i]) {
		i++
	}
	return i
}

func (s *scanner) fail(i int, reason string) int {
	if s.err == nil {
		s.err = newErr("decode", i, ErrParse, reason)
	}
	return -1
}

func (s *scanner) unexpected(i int, what string) int {
	if i >= len(s.data) {
		return s.fail(i, "unexpected end of JSON input in "+what)
	}
	return s.fail(i, "invalid character "+strconv.QuoteRune(rune(s.data[i]))+" in "+what)
}

// scan validates the whole of s.data as one JSON value with optional
// surrounding whitespace. It returns whether a placeholder occurs.
func (s *scanner) scan() (ph bool, ok bool) {
	i := s.skipSpace(0)
	var end int
	if s.collect && i < len(s.data) && s.data[i] == '[' {
		end, ph = s.topArray(i)
	} else {
		end, ph = s.value(i, 0)
	}
	if end < 0 {
		return false, false
	}
	end = s.skipSpace(end)
	if end != len(s.data) {
		s.unexpected(end, "after top-level JSON value")
		return false, false
	}
	return ph, true
}

func (s *scanner) value(i, depth int) (int, bool) {
	if i >= len(s.data) {
		return s.unexpected(i, "JSON value"), false
	}
	switch c := s.data[i]; {
	case c == '{':
		return s.object(i, depth+1)
	case c == '[':
		return s.array(i, depth+1)
	case c == '"':
		end, _ := s.str(i)
		return end, false
	case c == '-' || c >= '0' && c <= '9':
		return s.number(i), false
	case c == 't':
		return s.literal(i, "true"), false
	case c == 'f':
		return s.literal(i, "false"), false
	case c == 'n':
		return s.literal(i, "null"), false
	}
	return s.unexpected(i, "JSON value"), false
}

func (s *scanner) literal(i int, lit string) int {
	if len(s.data)-i < len(lit) || string(s.data[i:i+len(lit)]) != lit {
		return s.fail(i, "invalid literal, expected "+lit)
	}
	return i + len(lit)
}

func (s *scanner) number(i int) int {
	d := s.data
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return s.unexpected(i, "number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return s.unexpected(i, "number fraction")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return s.unexpected(i, "number exponent")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	return i
}

// str scans the string starting at the quote at i; escaped reports whether
// it contains backslash escapes.
func (s *scanner) str(i int) (end int, escaped bool) {
	d := s.data
	i++
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			return i + 1, escaped
		case c == '\\':
			escaped = true
			i++
			if i >= len(d) {
				return s.unexpected(i, "string escape"), false
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				for k := 1; k <= 4; k++ {
					if i+k >= len(d) || !isHex(d[i+k]) {
						return s.unexpected(i+k, "\\u escape"), false
					}
				}
				i += 5
			default:
				return s.unexpected(i, "string escape"), false
			}
		case c < 0x20:
			return s.fail(i, "control character in string"), false
		default:
			i++
		}
	}
	return s.unexpected(i, "string"), false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func (s *scanner) tooDeep(i int) int {
	return s.fail(i, "JSON nesting depth exceeds "+strconv.Itoa(s.maxDepth))
}

func (s *scanner) array(i, depth int) (int, bool) {
	if depth > s.maxDepth {
		return s.tooDeep(i), false
	}
	i = s.skipSpace(i + 1)
	if i < len(s.data) && s.data[i] == ']' {
		return i + 1, false
	}
	anyPh := false
	for {
		end, ph := s.value(i, depth)
		if end < 0 {
			return -1, false
		}
		anyPh = anyPh || ph
		i = s.skipSpace(end)
		if i >= len(s.data) {
			return s.unexpected(i, "array"), false
		}
		switch s.data[i] {
		case ',':
			i = s.skipSpace(i + 1)
		case ']':
			return i + 1, anyPh
		default:
			return s.unexpected(i, "array"), false
		}
	}
}

// topArray is array for the root value when element spans are collected.
func (s *scanner) topArray(i int) (int, bool) {
	if 1 > s.maxDepth {
		return s.tooDeep(i), false
	}
	i = s.skipSpace(i + 1)
	if i < len(s.data) && s.data[i] == ']' {
		return i + 1, false
	}
	anyPh := false
	for {
		end, ph := s.value(i, 1)
		if end < 0 {
			return -1, false
		}
		s.spans = append(s.spans, argSpan{i, end, ph})
		anyPh = anyPh || ph
		i = s.skipSpace(end)
		if i >= len(s.data) {
			return s.unexpected(i, "array"), false
		}
		switch s.data[i] {
		case ',':
			i = s.skipSpace(i + 1)
		case ']':
			return i + 1, anyPh
		default:
			return s.unexpected(i, "array"), false
		}
	}
}

func (s *scanner) object(start, depth int) (int, bool) {
	if depth > s.maxDepth {
		return s.tooDeep(start), false
	}
	i := s.skipSpace(start + 1)
	if i < len(s.data) && s.data[i] == '}' {
		return i + 1, false
	}
	savedPhErr := s.phErr
	anyPh, isPh, numOK := false, false, false
	num := 0
	for {
		if i >= len(s.data) || s.data[i] != '"' {
			return s.unexpected(i, "object key"), false
		}
		ks := i
		ke, esc := s.str(i)
		if ke < 0 {
			return -1, false
		}
		i = s.skipSpace(ke)
		if i >= len(s.data) || s.data[i] != ':' {
			return s.unexpected(i, "object after key"), false
		}
		vs := s.skipSpace(i + 1)
		ve, ph := s.value(vs, depth)
		if ve < 0 {
			return -1, false
		}
		anyPh = anyPh || ph
		if s.natt >= 0 {
			// Later duplicates win, as with JSON.parse.
			switch {
			case keyIs(s.data[ks:ke], esc, "_placeholder"):
				isPh = string(s.data[vs:ve]) == "true"
			case keyIs(s.data[ks:ke], esc, "num"):
				num, numOK = parseIndex(s.data[vs:ve])
			}
		}
		i = s.skipSpace(ve)
		if i >= len(s.data) {
			return s.unexpected(i, "object"), false
		}
		switch s.data[i] {
		case ',':
			i = s.skipSpace(i + 1)
		case '}':
			if isPh {
				// The placeholder replaces the whole object, so whatever
				// is nested inside it does not matter (reconstructPacket
				// does not descend into it).
				s.phErr = savedPhErr
				if s.phErr == nil {
					switch {
					case !numOK:
						s.phErr = newErr("decode", start, ErrParse, "placeholder without a valid \"num\"")
					case num >= s.natt:
						s.phErr = newErr("decode", start, ErrParse, "placeholder num "+strconv.Itoa(num)+" out of range ("+strconv.Itoa(s.natt)+" attachments)")
					}
				}
				return i + 1, true
			}
			return i + 1, anyPh
		default:
			return s.unexpected(i, "object"), false
		}
	}
}

// keyIs compares a raw JSON string token (with quotes) to want.
func keyIs(raw []byte, escaped bool, want string) bool {
	if !escaped {
		return len(raw) == len(want)+2 && string(raw[1:len(raw)-1]) == want
	}
	if len(raw) > 6*len(want)+2 {
		return false
	}
	var buf [96]byte
	return string(appendUnquoted(buf[:0], raw)) == want
}

// parseIndex parses a placeholder num: a non-negative integer written with
// digits only (no sign, fraction or exponent).
func parseIndex(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 || (len(b) > 1 && b[0] == '0') {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// appendUnquoted decodes a valid JSON string token (with quotes) and appends
// the UTF-8 text. Lone surrogates become U+FFFD (Go strings are UTF-8).
func appendUnquoted(dst, raw []byte) []byte {
	raw = raw[1 : len(raw)-1]
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			j := i + 1
			for j < len(raw) && raw[j] != '\\' {
				j++
			}
			dst = append(dst, raw[i:j]...)
			i = j
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hex4(raw[i+1 : i+5]))
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2 := rune(hex4(raw[i+3 : i+7]))
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						dst = utf8.AppendRune(dst, d)
						i += 7
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, raw[i])
		}
		i++
	}
	return dst
}

func hex4(b []byte) int {
	n := 0
	for _, c := range b {
		n <<= 4
		switch {
		case c >= '0' && c <= '9':
			n |= int(c - '0')
		case c >= 'a' && c <= 'f':
			n |= int(c - 'a' + 10)
		default:
			n |= int(c - 'A' + 10)
		}
	}
	return n
}

// appendCompact validates src as JSON and appends it without insignificant
// whitespace and without re-escaping anything (unlike json.Compact's HTML
// and U+2028 escaping, which JSON.stringify does not do).
func appendCompact(dst, src []byte) ([]byte, error) {
	s := scanner{data: src, maxDepth: maxEncodeDepth, natt: -1}
	if _, ok := s.scan(); !ok {
		s.err.Op = "encode"
		s.err.Err = ErrUnsupported
		return dst, s.err
	}
	inStr := false
	start := 0
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inStr {
			switch c {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
		case isSpace(c):
			dst = append(dst, src[start:i]...)
			start = i + 1
		}
	}
	return append(dst, src[start:]...), nil
}
