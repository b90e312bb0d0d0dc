package engineio

import (
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// Request is the handshake request of a session, copied out of fasthttp's
// RequestCtx (which must not be kept). Every session keeps its Request for
// its lifetime, so it is stored compactly: the strings share one
// allocation, and the header and query maps are parsed on demand by Header
// and Query. Treat it as read-only.
type Request struct {
	Method     string
	URL        string    // request URI as received: path and query
	RemoteAddr string    // "ip:port" of the peer
	Secure     bool      // TLS
	XDomain    bool      // an Origin header is present
	Time       time.Time // when the handshake arrived
	// RawHeader is every request header as fasthttp parsed it, in order,
	// one "Name: value\r\n" line each. Header and GetHeader read it.
	RawHeader string
}

func newRequest(ctx *fasthttp.RequestCtx) *Request {
	uri := ctx.RequestURI()
	addr := ctx.RemoteAddr().String()
	n := len(uri) + len(addr)
	for k, v := range ctx.Request.Header.All() {
		n += len(k) + len(v) + 4
	}
	// One allocation for every string the Request keeps.
	var sb strings.Builder
	sb.Grow(n)
	sb.Write(uri)
	sb.WriteString(addr)
	for k, v := range ctx.Request.Header.All() {
		sb.Write(k)
		sb.WriteString(": ")
		sb.Write(v)
		sb.WriteString("\r\n")
	}
	all := sb.String()
	r := &Request{
		Method:     http.MethodGet,
		URL:        all[:len(uri)],
		RemoteAddr: all[len(uri) : len(uri)+len(addr)],
		RawHeader:  all[len(uri)+len(addr):],
		Secure:     ctx.IsTLS(),
		XDomain:    len(ctx.Request.Header.Peek("Origin")) > 0,
		Time:       ctx.Time(),
	}
	if !ctx.IsGet() {
		r.Method = string(ctx.Method())
	}
	return r
}

// headerLines calls fn for each "Name: value" line of RawHeader until it
// returns false.
func (r *Request) headerLines(fn func(name, value string) bool) {
	raw := r.RawHeader
	for len(raw) > 0 {
		var line string
		line, raw, _ = strings.Cut(raw, "\r\n")
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			name, value, _ = strings.Cut(line, ":")
		}
		if !fn(name, value) {
			return
		}
	}
}

// Header parses RawHeader into a new http.Header (canonical keys, values
// in order); the caller owns it. Each call parses again: keep the result
// rather than calling it repeatedly.
func (r *Request) Header() http.Header {
	n := strings.Count(r.RawHeader, "\r\n")
	h := make(http.Header, n)
	r.headerLines(func(name, value string) bool {
		h.Add(name, value)
		return true
	})
	return h
}

// GetHeader returns the first value of the header key (case-insensitive),
// or "", like Header().Get(key) without building the map.
func (r *Request) GetHeader(key string) string {
	key = textproto.CanonicalMIMEHeaderKey(key)
	var v string
	r.headerLines(func(name, value string) bool {
		if len(name) == len(key) && strings.EqualFold(name, key) && textproto.CanonicalMIMEHeaderKey(name) == key {
			v = value
			return false
		}
		return true
	})
	return v
}

// Query parses the query of URL (after "?", before any "#") into a new
// url.Values the caller owns, decoding it as fasthttp's QueryArgs does.
func (r *Request) Query() url.Values {
	q := url.Values{}
	raw, _, _ := strings.Cut(r.URL, "#")
	_, raw, ok := strings.Cut(raw, "?")
	if !ok || raw == "" {
		return q
	}
	args := fasthttp.AcquireArgs()
	args.Parse(raw)
	for k, v := range args.All() {
		key := string(k)
		q[key] = append(q[key], string(v))
	}
	fasthttp.ReleaseArgs(args)
	return q
}
