package socketio

import (
	"errors"
	"fmt"
)

var (
	// ErrReservedEvent is returned by Emit for the event names 1.7.3 keeps
	// for itself ("error", "connect", "disconnect", "disconnecting",
	// "newListener", "removeListener"); they are never sent.
	ErrReservedEvent = errors.New("socketio: reserved event name")

	// ErrAckBroadcast is returned when a broadcast is given an ack callback
	// (1.7.3: "Callbacks are not supported when broadcasting").
	ErrAckBroadcast = errors.New("socketio: callbacks are not supported when broadcasting")

	// ErrDisconnected is returned when the socket is (or became, while an
	// ack was awaited) disconnected from its namespace.
	ErrDisconnected = errors.New("socketio: socket disconnected")

	// ErrServerClosed is returned by Serve after Close.
	ErrServerClosed = errors.New("socketio: server closed")
)

// MiddlewareError is an error a namespace or packet middleware returns to
// control the ERROR packet the client receives. Like 1.7.3's err.data /
// err.message: Data, when not nil, is sent as the packet data (any value
// the parser can encode, e.g. map or parser.Object); otherwise Message is
// sent as a JSON string; with neither the packet has no data ("44/auth").
// Any other error sends its Error() text.
type MiddlewareError struct {
	Message string
	Data    any
}

func (e *MiddlewareError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return "socketio: middleware error"
}

// errorPayload returns the value an ERROR packet carries for err, and
// whether there is one.
func errorPayload(err error) (any, bool) {
	var me *MiddlewareError
	if errors.As(err, &me) {
		if me.Data != nil {
			return me.Data, true
		}
		if me.Message != "" {
			return me.Message, true
		}
		return nil, false
	}
	return err.Error(), true
}

// ClientError is passed to error handlers (Socket.OnError) when the client
// sent an ERROR packet (Data holds its raw JSON) or when the client's
// packet stream could not be decoded (Err, the "client error" case, after
// which the client's sockets are closed).
type ClientError struct {
	Data []byte // raw JSON data of a client ERROR packet, nil if absent
	Err  error  // decoder error for a "client error"
}

func (e *ClientError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("socketio: client error: %v", e.Err)
	}
	return fmt.Sprintf("socketio: client sent error packet: %s", e.Data)
}

func (e *ClientError) Unwrap() error { return e.Err }
