package parser

import "strings"

// SplitNamespace splits a CONNECT packet's namespace into the namespace
// path and the raw (still URL-encoded) query: "/chat?x=y" gives "/chat" and
// "x=y". socket.io-client 1.7.3 appends the query of io("/chat?x=y") to the
// CONNECT namespace; the server selects the namespace by the path and
// merges the query (parse it with net/url.ParseQuery). "" is returned as
// "/".
func SplitNamespace(nsp string) (path, query string) {
	path, query, _ = strings.Cut(nsp, "?")
	if path == "" {
		path = "/"
	}
	return path, query
}
