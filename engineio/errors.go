package engineio

import (
	"encoding/json"
	"errors"
	"strconv"
)

// Errors returned by Socket.Send.
var (
	// ErrClosed: the socket is closing or closed; nothing was queued.
	ErrClosed = errors.New("engineio: socket closed")
	// ErrDropped: a volatile send found the transport not writable; nothing
	// was queued.
	ErrDropped = errors.New("engineio: volatile message dropped")
	// ErrQueueFull: the send would exceed Options.MaxSendQueue; nothing was
	// queued and the socket is being closed ("send queue overflow").
	ErrQueueFull = errors.New("engineio: send queue full")
)

// ErrServerClosed is returned by Serve and ListenAndServe after Close.
var ErrServerClosed = errors.New("engineio: server closed")

// Handshake error codes of engine.io 1.8.3 (the "code" of a 400 JSON body).
const (
	CodeUnknownTransport   = 0 // "Transport unknown"
	CodeUnknownSID         = 1 // "Session ID unknown"
	CodeBadHandshakeMethod = 2 // "Bad handshake method"
	CodeBadRequest         = 3 // "Bad request"
)

var codeMessages = [...]string{"Transport unknown", "Session ID unknown", "Bad handshake method", "Bad request"}

// RequestError is returned by an Options.AllowRequest hook to reject a
// handshake with a specific code. Code is nil (JSON null, the default for any
// other error), an int (a table code 0..3 adds its "message"), or a string.
// The HTTP answer is 400 with body {"code":<Code>[,"message":...]}; a
// WebSocket handshake gets a raw 400 whose body is the message, or the code
// as text.
type RequestError struct {
	Code any
}

func (e *RequestError) Error() string {
	return "engineio: request rejected (code " + string(e.codeJSON()) + ")"
}

// codeJSON renders Code as JSON (null for unsupported types).
func (e *RequestError) codeJSON() []byte {
	switch c := e.Code.(type) {
	case int:
		return strconv.AppendInt(nil, int64(c), 10)
	case string:
		b, _ := json.Marshal(c)
		return b
	}
	return []byte("null")
}

// message returns the table message for Code, or "" if there is none.
func (e *RequestError) message() string {
	if c, ok := e.Code.(int); ok && c >= 0 && c < len(codeMessages) {
		return codeMessages[c]
	}
	return ""
}

func codeError(code int) *RequestError { return &RequestError{Code: code} }
