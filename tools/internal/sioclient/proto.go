package sioclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Engine.io packet type digits as they appear in text packets.
const (
	EngineOpen    = '0'
	EngineClose   = '1'
	EnginePing    = '2'
	EnginePong    = '3'
	EngineMessage = '4'
	EngineNoop    = '6'
)

// Socket.io packet type digits (second byte of an engine.io message).
const (
	SIOConnect    = '0'
	SIODisconnect = '1'
	SIOEvent      = '2'
	SIOAck        = '3'
	SIOError      = '4'
)

// ErrProtocol is wrapped by every error about bytes the server sent that do
// not parse as the expected engine.io / socket.io packet.
var ErrProtocol = errors.New("sioclient: protocol error")

// Open is the handshake data of an engine.io open packet.
type Open struct {
	SID          string
	Upgrades     []string
	PingInterval time.Duration
	PingTimeout  time.Duration
}

type openJSON struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval *int64   `json:"pingInterval"`
	PingTimeout  *int64   `json:"pingTimeout"`
}

// ParseOpen parses an engine.io open packet in text form ("0{...}").
func ParseOpen(pkt []byte) (Open, error) {
	if len(pkt) < 2 || pkt[0] != EngineOpen {
		return Open{}, fmt.Errorf("%w: expected open packet, got %q", ErrProtocol, clip(pkt))
	}
	var j openJSON
	if err := json.Unmarshal(pkt[1:], &j); err != nil {
		return Open{}, fmt.Errorf("%w: open packet JSON: %v", ErrProtocol, err)
	}
	if j.SID == "" {
		return Open{}, fmt.Errorf("%w: open packet without sid: %q", ErrProtocol, clip(pkt))
	}
	const maxMs = int64(1<<63-1) / int64(time.Millisecond)
	if j.PingInterval == nil || j.PingTimeout == nil || *j.PingInterval <= 0 || *j.PingTimeout <= 0 ||
		*j.PingInterval > maxMs || *j.PingTimeout > maxMs {
		return Open{}, fmt.Errorf("%w: open packet without positive pingInterval/pingTimeout: %q", ErrProtocol, clip(pkt))
	}
	return Open{
		SID:          j.SID,
		Upgrades:     j.Upgrades,
		PingInterval: time.Duration(*j.PingInterval) * time.Millisecond,
		PingTimeout:  time.Duration(*j.PingTimeout) * time.Millisecond,
	}, nil
}

// AppendConnect appends the engine.io message carrying a socket.io CONNECT
// for nsp ("40" for the root namespace, "40/chat" otherwise).
func AppendConnect(dst []byte, nsp string) []byte {
	dst = append(dst, EngineMessage, SIOConnect)
	if nsp != "" && nsp != "/" {
		dst = append(dst, nsp...)
	}
	return dst
}

// IsConnect reports whether pkt is the engine.io message carrying the
// socket.io CONNECT confirmation for nsp. The reference writes "40/chat";
// a trailing comma ("40/chat,") is accepted too.
func IsConnect(pkt []byte, nsp string) bool {
	if len(pkt) < 2 || pkt[0] != EngineMessage || pkt[1] != SIOConnect {
		return false
	}
	rest := pkt[2:]
	if nsp == "" || nsp == "/" {
		return len(rest) == 0 || rest[0] != '/'
	}
	if !bytes.HasPrefix(rest, []byte(nsp)) {
		return false
	}
	rest = rest[len(nsp):]
	return len(rest) == 0 || rest[0] == ',' || rest[0] == '?'
}

// AppendEvent appends the engine.io message for a socket.io EVENT on nsp with
// an optional ack id (withAck) and the already-encoded JSON array args
// (e.g. `["echo","x"]`): "42" [nsp ","] [id] args.
func AppendEvent(dst []byte, nsp string, withAck bool, id uint64, args []byte) []byte {
	dst = append(dst, EngineMessage, SIOEvent)
	if nsp != "" && nsp != "/" {
		dst = append(dst, nsp...)
		dst = append(dst, ',')
	}
	if withAck {
		dst = strconv.AppendUint(dst, id, 10)
	}
	return append(dst, args...)
}

// ParseAck recognises the engine.io message of a socket.io ACK on nsp and
// returns its id and the raw JSON argument array. ok is false for any other
// packet (pongs, events, other namespaces).
func ParseAck(pkt []byte, nsp string) (id uint64, args []byte, ok bool) {
	if len(pkt) < 3 || pkt[0] != EngineMessage || pkt[1] != SIOAck {
		return 0, nil, false
	}
	rest, ok := stripNsp(pkt[2:], nsp)
	if !ok {
		return 0, nil, false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		if i == 19 { // would overflow uint64 soon; no real id is this long
			return 0, nil, false
		}
		id = id*10 + uint64(rest[i]-'0')
		i++
	}
	if i == 0 || i == len(rest) || rest[i] != '[' {
		return 0, nil, false
	}
	return id, rest[i:], true
}

// EventPrefix returns the bytes every engine.io message carrying an EVENT
// named name on nsp without ack id starts with, e.g. `42["fx"` — used to
// count deliveries without parsing JSON. name must not need JSON escaping.
func EventPrefix(nsp, name string) []byte {
	b := []byte{EngineMessage, SIOEvent}
	if nsp != "" && nsp != "/" {
		b = append(b, nsp...)
		b = append(b, ',')
	}
	b = append(b, '[', '"')
	b = append(b, name...)
	return append(b, '"')
}

// IsEvent reports whether pkt is an EVENT whose engine.io text starts with
// prefix (see EventPrefix) and whose name ends right there.
func IsEvent(pkt, prefix []byte) bool {
	if !bytes.HasPrefix(pkt, prefix) || len(pkt) == len(prefix) {
		return false
	}
	c := pkt[len(prefix)]
	return c == ',' || c == ']'
}

func stripNsp(rest []byte, nsp string) ([]byte, bool) {
	if nsp == "" || nsp == "/" {
		if len(rest) > 0 && rest[0] == '/' {
			return nil, false
		}
		return rest, true
	}
	if !bytes.HasPrefix(rest, []byte(nsp)) || len(rest) <= len(nsp) || rest[len(nsp)] != ',' {
		return nil, false
	}
	return rest[len(nsp)+1:], true
}

// AppendStringPayload appends packets (engine.io text packets) as an
// engine.io 1.3.2 string payload: "<len>:<packet>" where len is the UTF-8
// byte length of the packet and every byte >= 0x80 of the packet is written
// as the UTF-8 encoding of the character U+00xx (the double encoding of
// engineio-v3.md §5.2). ASCII packets come out unchanged.
func AppendStringPayload(dst []byte, pkts ...[]byte) []byte {
	for _, p := range pkts {
		dst = strconv.AppendInt(dst, int64(len(p)), 10)
		dst = append(dst, ':')
		for _, c := range p {
			if c < utf8.RuneSelf {
				dst = append(dst, c)
			} else {
				dst = append(dst, 0xC0|c>>6, 0x80|c&0x3F)
			}
		}
	}
	return dst
}

// DecodeStringPayload walks a string payload as the server sends it (body
// bytes as on the wire) and calls fn for every packet text. Packets that
// contain non-ASCII bytes are un-double-encoded into scratch, so pkt may
// alias body or scratch; both are valid only during fn.
func DecodeStringPayload(body []byte, scratch *[]byte, fn func(pkt []byte) error) error {
	for len(body) > 0 {
		colon := bytes.IndexByte(body, ':')
		if colon <= 0 {
			return fmt.Errorf("%w: string payload: missing length at %q", ErrProtocol, clip(body))
		}
		n, err := strconv.Atoi(string(body[:colon]))
		if err != nil || n < 0 {
			return fmt.Errorf("%w: string payload: bad length %q", ErrProtocol, clip(body[:colon]))
		}
		body = body[colon+1:]
		// n counts characters U+0000..U+00FF; an ASCII run is byte for byte.
		ascii := true
		if n > len(body) {
			ascii = false
		} else {
			for _, c := range body[:n] {
				if c >= utf8.RuneSelf {
					ascii = false
					break
				}
			}
		}
		if ascii {
			if err := fn(body[:n]); err != nil {
				return err
			}
			body = body[n:]
			continue
		}
		out := (*scratch)[:0]
		for i := 0; i < n; i++ {
			r, size := utf8.DecodeRune(body)
			if size == 0 || r == utf8.RuneError && size == 1 || r > 0xFF {
				return fmt.Errorf("%w: string payload: packet shorter than %d chars or not a byte string", ErrProtocol, n)
			}
			out = append(out, byte(r))
			body = body[size:]
		}
		*scratch = out
		if err := fn(out); err != nil {
			return err
		}
	}
	return nil
}

// DecodeBinaryPayload walks an engine.io binary payload (engineio-v3.md §5.4)
// and calls fn with each entry's packet bytes: text entries as text packets
// ("4..."), binary entries as type byte + data with binary=true. pkt aliases
// body.
func DecodeBinaryPayload(body []byte, fn func(pkt []byte, binary bool) error) error {
	for len(body) > 0 {
		kind := body[0]
		body = body[1:]
		n := 0
		i := 0
		for ; i < len(body) && body[i] != 0xFF; i++ {
			if body[i] > 9 || i >= 10 {
				return fmt.Errorf("%w: binary payload: bad length digit %#x", ErrProtocol, body[i])
			}
			n = n*10 + int(body[i])
		}
		if i == 0 || i == len(body) {
			return fmt.Errorf("%w: binary payload: missing length or 0xFF separator", ErrProtocol)
		}
		body = body[i+1:]
		if n > len(body) {
			return fmt.Errorf("%w: binary payload: entry of %d bytes, only %d left", ErrProtocol, n, len(body))
		}
		if err := fn(body[:n], kind != 0); err != nil {
			return err
		}
		body = body[n:]
	}
	return nil
}

func clip(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
