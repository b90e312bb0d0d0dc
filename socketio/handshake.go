package socketio

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/fastsio/fastsio/engineio"
)

// Handshake is what 1.7.3 calls socket.handshake: data of the engine.io
// handshake request, fixed when the socket is created. It is shared and
// must be treated as read-only.
type Handshake struct {
	Header  http.Header // headers of the engine.io handshake request
	Time    time.Time   // socket creation time (1.7.3: `time` string and `issued` ms)
	Address string      // remote address as Node prints it, e.g. "::ffff:127.0.0.1"
	XDomain bool        // the handshake request had an Origin header
	Secure  bool        // the handshake request came over TLS
	URL     string      // raw request URL, e.g. "/socket.io/?EIO=3&transport=polling&t=..."
	// Query is the namespace CONNECT query merged with the URL query: the
	// URL wins on conflicts; namespace keys first (1.7.3 Object.assign).
	Query Query
}

// Issued returns Time in milliseconds since the epoch (1.7.3 `issued`).
func (h *Handshake) Issued() int64 { return h.Time.UnixMilli() }

// TimeString formats Time like JavaScript's Date#toString in UTC, e.g.
// "Wed Nov 25 2026 17:13:39 GMT+0000 (Coordinated Universal Time)".
func (h *Handshake) TimeString() string {
	return h.Time.UTC().Format("Mon Jan 02 2006 15:04:05 GMT-0700") + " (Coordinated Universal Time)"
}

// newHandshake builds a socket's handshake from the engine.io request (nil
// with the fake sessions of unit tests). Sockets build it on first use
// (Socket.Handshake) rather than at connect: an idle connection then keeps
// only the compact engineio.Request, not parsed header and query maps.
func newHandshake(r *engineio.Request, created time.Time, nspQuery Query) *Handshake {
	h := &Handshake{Time: created}
	var urlQuery Query
	if r != nil {
		h.Header = r.Header()
		h.Address = nodeAddress(r.RemoteAddr)
		h.XDomain = r.XDomain
		h.Secure = r.Secure
		h.URL = r.URL
		if _, q, ok := strings.Cut(r.URL, "?"); ok {
			urlQuery = parseQuery(q)
		}
	}
	h.Query = mergeQuery(nspQuery, urlQuery)
	return h
}

// nodeAddress converts "127.0.0.1:5678" to Node's dual-stack form
// "::ffff:127.0.0.1"; IPv6 addresses lose their brackets and port.
func nodeAddress(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() != nil && !strings.Contains(host, ":") {
		return "::ffff:" + host
	}
	return host
}
