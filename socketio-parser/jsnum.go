package parser

import (
	"math"
	"strconv"
)

// appendJSFloat appends f formatted like ECMAScript Number.prototype.toString
// (ECMA-262 Number::toString): shortest round-trip digits, plain notation
// for exponents in [-7, 21), "1e+21" / "1e-7" style otherwise, -0 as "0".
// NaN and ±Inf have no JSON form; JSON.stringify writes null.
// bits is 32 for float32 values so that float32(0.1) prints as 0.1.
func appendJSFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		return append(dst, '0')
	}
	var buf [40]byte
	b := strconv.AppendFloat(buf[:0], f, 'e', -1, bits) // -d.ddde±xx
	if b[0] == '-' {
		dst = append(dst, '-')
		b = b[1:]
	}
	// Split into digits and exponent.
	e := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == 'e' {
			neg := b[i+1] == '-'
			for _, c := range b[i+2:] {
				e = e*10 + int(c-'0')
			}
			if neg {
				e = -e
			}
			b = b[:i]
			break
		}
	}
	var digs [32]byte
	k := 0
	for _, c := range b {
		if c != '.' {
			digs[k] = c
			k++
		}
	}
	d := digs[:k]
	n := e + 1 // position of the decimal point relative to the digits
	switch {
	case k <= n && n <= 21:
		dst = append(dst, d...)
		for i := k; i < n; i++ {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, d[:n]...)
		dst = append(dst, '.')
		dst = append(dst, d[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for i := 0; i < -n; i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, d...)
	default:
		dst = append(dst, d[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}
