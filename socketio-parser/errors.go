package parser

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them (use errors.Is); [IsFatal] tells the two severities apart.
var (
	// ErrParse marks a packet that could not be decoded: unknown type, bad
	// JSON, an id that does not fit uint64, nesting too deep, a bad
	// placeholder. socket.io-parser 2.3.1 turns these into an ERROR packet
	// "parser error" without namespace, which the 1.7.3 server silently
	// drops. Not fatal: drop the packet, keep the connection.
	ErrParse = errors.New("parser: parser error")

	// ErrIllegalAttachments marks a BINARY_EVENT/BINARY_ACK header whose
	// attachment count is not "<digits>-" (2.3.1 throws "Illegal
	// attachments"). Fatal: the 1.7.3 server closes all of the client's
	// namespaces with reason "client error".
	ErrIllegalAttachments = errors.New("parser: illegal attachments")

	// ErrUnexpectedBinary marks a binary message that arrived while no
	// binary packet was being reconstructed (2.3.1 throws "got binary data
	// when not reconstructing a packet"). Fatal.
	ErrUnexpectedBinary = errors.New("parser: got binary data when not reconstructing a packet")

	// ErrLimit marks input that exceeds one of the decoder's [Options]
	// limits in a way that breaks message framing (too many attachments
	// announced, too many attachment bytes buffered). Fatal.
	ErrLimit = errors.New("parser: limit exceeded")

	// ErrUnsupported marks a Go value the JSON writer cannot represent
	// (channels, functions, complex numbers, cyclic or too deep values,
	// unsupported map keys, invalid MarshalJSON output). Encoding side only.
	ErrUnsupported = errors.New("parser: unsupported value")
)

// OpError is the error type returned by this package. It says what failed
// (Op), where (Offset: byte offset in the message or JSON text, -1 if not
// applicable) and why (Reason), and wraps one of the sentinel errors.
type OpError struct {
	Op     string // "decode", "decode binary", "args", "encode"
	Offset int    // byte offset into the input, -1 if unknown
	Reason string
	Err    error // one of the package sentinels
	Cause  error // underlying error (e.g. from encoding/json), may be nil
}

func (e *OpError) Error() string {
	s := "parser: " + e.Op
	if e.Offset >= 0 {
		s += " at offset " + strconv.Itoa(e.Offset)
	}
	s += ": " + e.Reason
	return s
}

// Unwrap returns the sentinel and, if set, the underlying cause.
func (e *OpError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// IsFatal reports whether err must end the socket.io client (the 1.7.3
// server's "client error"): ErrIllegalAttachments, ErrUnexpectedBinary and
// ErrLimit. ErrParse only invalidates one packet; nil is not fatal.
func IsFatal(err error) bool {
	return errors.Is(err, ErrIllegalAttachments) || errors.Is(err, ErrUnexpectedBinary) || errors.Is(err, ErrLimit)
}

func newErr(op string, off int, sentinel error, reason string) *OpError {
	return &OpError{Op: op, Offset: off, Reason: reason, Err: sentinel}
}
