package socketio

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// originAllowed implements 1.7.3's Server#checkRequest for one handshake.
// origin is the Origin header, else the Referer header ("" when absent).
func (o *Options) originAllowed(origin string) bool {
	if origin == "" || origin == "null" {
		origin = "*"
	}
	if o.CheckOrigin != nil {
		return o.CheckOrigin(origin)
	}
	contains := func(s string) bool {
		if o.OriginList != nil {
			return slices.Contains(o.OriginList, s)
		}
		pattern := o.Origins
		if pattern == "" {
			pattern = "*:*"
		}
		return strings.Contains(pattern, s)
	}
	if contains("*:*") {
		return true
	}
	host, port := originHostPort(origin)
	return contains(host+":"+port) || contains(host+":*") || contains("*:"+port)
}

// originHostPort mimics Node's url.parse for an origin: hostname
// (lower-cased, "null" when there is none, as JavaScript concatenates
// null) and the explicit port or the scheme's default (443 for https:,
// otherwise 80).
func originHostPort(origin string) (host, port string) {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		host = "null"
	} else {
		host = strings.ToLower(u.Hostname())
		port = u.Port()
	}
	if port == "" {
		if err == nil && strings.EqualFold(u.Scheme, "https") {
			port = strconv.Itoa(443)
		} else {
			port = strconv.Itoa(80)
		}
	}
	return host, port
}
