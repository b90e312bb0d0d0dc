// Package netpoll tells when an idle connection becomes readable without a
// goroutine blocked on it: a connection is armed once (one-shot), and the
// poller's single goroutine calls the connection's Ready function when
// bytes, EOF or an error arrive. It lets a server hold many idle
// connections at the cost of a registration each instead of a parked
// goroutine and its stack.
//
// Only Linux (epoll) is supported; New returns ErrUnsupported elsewhere and
// callers keep a reader goroutine per connection.
package netpoll

import "errors"

// ErrUnsupported is returned by New where the platform has no poller.
var ErrUnsupported = errors.New("netpoll: not supported on this platform")

// ErrClosed is returned by Arm after the poller or the handle was closed.
var ErrClosed = errors.New("netpoll: closed")
