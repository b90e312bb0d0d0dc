package packet

import "strconv"

const hexLower = "0123456789abcdef"

// AppendJSONP appends the JSONP polling response body
// ___eio[<index>]("<stringPayload as a JSON string>"); to dst. stringPayload
// is the string payload exactly as AppendStringPayload wrote it. The escaping
// is that of JSON.stringify (\" \\ \b \f \n \r \t, other control characters
// as \u00xx, everything else raw) plus U+2028/U+2029 as \u2028/\u2029, as
// engine.io 1.8.3 does. index is written as given (the digits of the
// handshake's j parameter).
func AppendJSONP(dst []byte, index string, stringPayload []byte) []byte {
	dst = append(dst, "___eio["...)
	dst = append(dst, index...)
	dst = append(dst, `]("`...)
	b := stringPayload
	for i := 0; i < len(b); {
		c := b[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != 0xE2 {
			// Raw run.
			j := i + 1
			for j < len(b) && b[j] >= 0x20 && b[j] != '"' && b[j] != '\\' && b[j] != 0xE2 {
				j++
			}
			dst = append(dst, b[i:j]...)
			i = j
			continue
		}
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
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
		case 0xE2:
			if i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9) {
				dst = append(dst, '\\', 'u', '2', '0', '2', '8'+b[i+2]-0xA8)
				i += 3
				continue
			}
			dst = append(dst, c)
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexLower[c>>4], hexLower[c&0xF])
		}
		i++
	}
	return append(dst, '"', ')', ';')
}

const fmtJSONP = "jsonp"

// ParseJSONP splits a JSONP polling response body ___eio[<index>]("...");
// into the index digits and the string payload (the JSON string literal
// decoded to UTF-8, ready for DecodeStringPayload). It is the inverse of
// AppendJSONP, meant for tools and tests; it accepts any JSON string escapes.
// index aliases body; payload aliases body when the literal has no escapes.
func ParseJSONP(body []byte) (index, payload []byte, err error) {
	const head = "___eio["
	if len(body) < len(head) || string(body[:len(head)]) != head {
		return nil, nil, perr(fmtJSONP, 0, "missing ___eio[ prefix")
	}
	i := len(head)
	for i < len(body) && body[i] >= '0' && body[i] <= '9' {
		i++
	}
	index = body[len(head):i:i]
	if i+2 > len(body) || body[i] != ']' || body[i+1] != '(' {
		return nil, nil, perr(fmtJSONP, i, "expected ](")
	}
	i += 2
	payload, end, err := decodeJSONString(body, i)
	if err != nil {
		return nil, nil, err
	}
	if string(body[end:]) != ");" {
		return nil, nil, perr(fmtJSONP, end, "expected ); at the end")
	}
	return index, payload, nil
}

// decodeJSONString decodes the JSON string literal starting at b[i] (the
// opening quote) and returns its UTF-8 bytes and the offset after it.
// Escaped lone surrogates are written as WTF-8 (3 bytes).
func decodeJSONString(b []byte, i int) ([]byte, int, error) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, perr(fmtJSONP, i, "expected a JSON string")
	}
	i++
	start := i
	for i < len(b) && b[i] != '"' && b[i] != '\\' {
		if b[i] < 0x20 {
			return nil, 0, perr(fmtJSONP, i, "control character in JSON string")
		}
		i++
	}
	if i < len(b) && b[i] == '"' {
		return b[start:i:i], i + 1, nil
	}
	out := append([]byte(nil), b[start:i]...)
	for {
		if i >= len(b) {
			return nil, 0, perr(fmtJSONP, i, "unterminated JSON string")
		}
		c := b[i]
		switch {
		case c == '"':
			return out, i + 1, nil
		case c < 0x20:
			return nil, 0, perr(fmtJSONP, i, "control character in JSON string")
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			return nil, 0, perr(fmtJSONP, i, "unterminated escape")
		}
		e := b[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b, i)
			if !ok {
				return nil, 0, perr(fmtJSONP, i-2, "bad \\u escape")
			}
			i += 4
			if r >= 0xD800 && r < 0xDC00 && i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
				if r2, ok := hex4(b, i+2); ok && r2 >= 0xDC00 && r2 < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
					i += 6
				}
			}
			out = appendWTF8(out, r)
		default:
			return nil, 0, perr(fmtJSONP, i-2, "bad escape \\"+strconv.QuoteRune(rune(e)))
		}
	}
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// appendWTF8 is utf8.AppendRune that also encodes surrogates as 3 bytes.
func appendWTF8(dst []byte, r rune) []byte {
	switch {
	case r < 0x80:
		return append(dst, byte(r))
	case r < 0x800:
		return append(dst, 0xC0|byte(r>>6), 0x80|byte(r)&0x3F)
	case r < 0x10000:
		return append(dst, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	default:
		return append(dst, 0xF0|byte(r>>18), 0x80|byte(r>>12)&0x3F, 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	}
}

// maxFormFields mirrors Node querystring.parse's default maxKeys: only the
// first 1000 '&'-separated fields (empty ones included) are looked at.
const maxFormFields = 1000

// DecodeJSONPForm extracts the string payload from a JSONP polling POST body
// (application/x-www-form-urlencoded, as engine.io 1.8.3 reads it with Node's
// querystring): the value of the field d ('+' is a space, %XX escapes are
// decoded; malformed escapes are kept literally), then the client's newline
// escaping is undone in two passes — backslash+n not preceded by a backslash
// becomes LF, then backslash+backslash+n becomes backslash+n. The result is
// the input of DecodeStringPayload.
//
// It returns nil, nil when there is no d field, or when d occurs more than
// once (Node then yields an array, which engine.io ignores): the POST is to be
// ignored. A present but empty d returns an empty non-nil slice. The result
// aliases body when d needs no unescaping. It never fails today; the error is
// kept for stricter future checks.
func DecodeJSONPForm(body []byte) ([]byte, error) {
	var val []byte
	found := 0
	fields := 0
	for start := 0; start <= len(body) && fields < maxFormFields; fields++ {
		end := start
		for end < len(body) && body[end] != '&' {
			end++
		}
		field := body[start:end]
		start = end + 1
		if len(field) == 0 {
			continue
		}
		eq := 0
		for eq < len(field) && field[eq] != '=' {
			eq++
		}
		if !isFormKeyD(field[:eq]) {
			continue
		}
		found++
		if eq < len(field) {
			val = field[eq+1:]
		} else {
			val = field[len(field):]
		}
	}
	if found != 1 {
		return nil, nil
	}
	return unescapeNewlines(formUnescape(val)), nil
}

// isFormKeyD reports whether a form key decodes to "d" (Node decodes keys
// like values, so "%64" counts).
func isFormKeyD(k []byte) bool {
	if len(k) == 1 {
		return k[0] == 'd'
	}
	return len(k) <= 3*4 && string(formUnescape(k)) == "d"
}

func needsFormUnescape(v []byte) bool {
	for _, c := range v {
		if c == '%' || c == '+' {
			return true
		}
	}
	return false
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func formUnescape(v []byte) []byte {
	if !needsFormUnescape(v) {
		return v
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch c {
		case '+':
			out = append(out, ' ')
			continue
		case '%':
			if i+2 < len(v) {
				h, ok1 := unhex(v[i+1])
				l, ok2 := unhex(v[i+2])
				if ok1 && ok2 {
					out = append(out, h<<4|l)
					i += 2
					continue
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func unescapeNewlines(v []byte) []byte {
	has := false
	for i := 0; i+1 < len(v); i++ {
		if v[i] == '\\' && v[i+1] == 'n' {
			has = true
			break
		}
	}
	if !has {
		return v
	}
	// Pass 1: /(\\)?\\n/g — "\\n" kept, "\n" becomes LF.
	p1 := make([]byte, 0, len(v))
	for i := 0; i < len(v); {
		if v[i] == '\\' && i+2 < len(v) && v[i+1] == '\\' && v[i+2] == 'n' {
			p1 = append(p1, v[i:i+3]...)
			i += 3
		} else if v[i] == '\\' && i+1 < len(v) && v[i+1] == 'n' {
			p1 = append(p1, '\n')
			i += 2
		} else {
			p1 = append(p1, v[i])
			i++
		}
	}
	// Pass 2: /\\\\n/g — "\\n" becomes "\n".
	out := p1[:0]
	for i := 0; i < len(p1); {
		if p1[i] == '\\' && i+2 < len(p1) && p1[i+1] == '\\' && p1[i+2] == 'n' {
			out = append(out, '\\', 'n')
			i += 3
		} else {
			out = append(out, p1[i])
			i++
		}
	}
	return out
}
