package socketio

// Registrar is what Socket and Namespace have in common for registering
// event handlers.
type Registrar interface {
	On(event string, h EventHandler)
}

// OnEvent registers a handler for event that receives the event's first
// argument decoded into T (encoding/json rules; binary attachments decode
// into []byte fields). Events whose first argument does not decode into T
// are dropped (logged at debug level); the handler then does not run.
// The decoding is the only reflection involved; dispatch is a map lookup
// and a direct call.
func OnEvent[T any](r Registrar, event string, fn func(s *Socket, v T, ack AckFunc)) {
	r.On(event, func(s *Socket, args Args, ack AckFunc) {
		var v T
		if args.Len() > 0 {
			if err := args.Decode(0, &v); err != nil {
				s.client.log().Debug("socketio: event argument does not decode", "socket", s.id, "event", event, "err", err)
				return
			}
		}
		fn(s, v, ack)
	})
}
