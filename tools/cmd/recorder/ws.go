package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// errWebSocket wraps every websocket framing failure.
var errWebSocket = errors.New("recorder: websocket protocol error")

// wsFrame is one RFC 6455 frame with its payload unmasked.
type wsFrame struct {
	fin     bool
	rsv1    bool
	opcode  byte
	payload []byte
	raw     []byte // exact wire bytes (still masked), for forwarding
}

// readFrame reads one frame. It returns io.EOF only at a clean frame boundary.
func readFrame(br *bufio.Reader, maxPayload int64) (wsFrame, error) {
	var f wsFrame
	head := make([]byte, 2, 14)
	if _, err := io.ReadFull(br, head[:1]); err != nil {
		return f, err // io.EOF at a boundary
	}
	if _, err := io.ReadFull(br, head[1:2]); err != nil {
		return f, fmt.Errorf("%w: connection closed in frame header: %w", errWebSocket, io.ErrUnexpectedEOF)
	}
	f.fin = head[0]&0x80 != 0
	f.rsv1 = head[0]&0x40 != 0
	f.opcode = head[0] & 0x0f
	masked := head[1]&0x80 != 0
	n := int64(head[1] & 0x7f)
	extra := 0
	switch n {
	case 126:
		extra = 2
	case 127:
		extra = 8
	}
	if masked {
		extra += 4
	}
	head = head[:2+extra]
	if _, err := io.ReadFull(br, head[2:]); err != nil {
		return f, fmt.Errorf("%w: connection closed in frame header: %w", errWebSocket, io.ErrUnexpectedEOF)
	}
	p := 2
	switch n {
	case 126:
		n = int64(binary.BigEndian.Uint16(head[2:4]))
		p = 4
	case 127:
		u := binary.BigEndian.Uint64(head[2:10])
		if u > 1<<62 {
			return f, fmt.Errorf("%w: frame length %d too large", errWebSocket, u)
		}
		n = int64(u)
		p = 10
	}
	if f.opcode >= 8 && (n > 125 || !f.fin) {
		return f, fmt.Errorf("%w: control frame opcode %d with length %d fin=%v", errWebSocket, f.opcode, n, f.fin)
	}
	if n > maxPayload {
		return f, fmt.Errorf("%w: frame payload %d over the limit %d", errWebSocket, n, maxPayload)
	}
	f.raw = make([]byte, len(head)+int(n))
	copy(f.raw, head)
	if _, err := io.ReadFull(br, f.raw[len(head):]); err != nil {
		return f, fmt.Errorf("%w: connection closed in frame payload: %w", errWebSocket, io.ErrUnexpectedEOF)
	}
	f.payload = append([]byte(nil), f.raw[len(head):]...)
	if masked {
		key := head[p : p+4]
		for i := range f.payload {
			f.payload[i] ^= key[i&3]
		}
	}
	return f, nil
}

// wsMessage is a complete message (data frames joined) or one control frame.
type wsMessage struct {
	opcode     byte
	data       []byte
	compressed bool
}

// wsAssembler joins fragments of one direction and inflates
// permessage-deflate messages.
type wsAssembler struct {
	inflater   *inflater // nil when permessage-deflate was not negotiated
	maxMessage int64

	inMsg      bool
	opcode     byte
	compressed bool
	buf        []byte
}

// add feeds one frame; it returns a message when one is complete.
func (a *wsAssembler) add(f wsFrame) (*wsMessage, error) {
	switch {
	case f.opcode >= 8:
		if f.opcode > 10 {
			return nil, fmt.Errorf("%w: reserved control opcode %d", errWebSocket, f.opcode)
		}
		return &wsMessage{opcode: f.opcode, data: f.payload}, nil
	case f.opcode == 0:
		if !a.inMsg {
			return nil, fmt.Errorf("%w: continuation frame without a message", errWebSocket)
		}
		if f.rsv1 {
			return nil, fmt.Errorf("%w: RSV1 set on a continuation frame", errWebSocket)
		}
	case f.opcode == 1 || f.opcode == 2:
		if a.inMsg {
			return nil, fmt.Errorf("%w: new data frame inside a fragmented message", errWebSocket)
		}
		if f.rsv1 && a.inflater == nil {
			return nil, fmt.Errorf("%w: RSV1 set without permessage-deflate", errWebSocket)
		}
		a.inMsg, a.opcode, a.compressed, a.buf = true, f.opcode, f.rsv1, nil
	default:
		return nil, fmt.Errorf("%w: reserved data opcode %d", errWebSocket, f.opcode)
	}
	if int64(len(a.buf))+int64(len(f.payload)) > a.maxMessage {
		return nil, fmt.Errorf("%w: message over the limit %d", errWebSocket, a.maxMessage)
	}
	a.buf = append(a.buf, f.payload...)
	if !f.fin {
		return nil, nil
	}
	a.inMsg = false
	msg := &wsMessage{opcode: a.opcode, data: a.buf, compressed: a.compressed}
	a.buf = nil
	if msg.compressed {
		out, err := a.inflater.inflate(msg.data, a.maxMessage)
		if err != nil {
			return nil, err
		}
		msg.data = out
	}
	if msg.data == nil {
		msg.data = []byte{}
	}
	return msg, nil
}

// inflater decompresses permessage-deflate messages of one direction
// (RFC 7692). With context takeover the LZ77 window carries over from
// message to message; each message ends at a sync-flush boundary, so a fresh
// decompressor primed with the last 32 KiB of output as its dictionary
// continues the stream exactly.
type inflater struct {
	noContextTakeover bool
	window            []byte
}

const deflateWindow = 32 << 10

// inflateTail is the sync-flush marker removed by the sender, followed by an
// empty final stored block so the decompressor ends cleanly.
var inflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

func (in *inflater) inflate(p []byte, max int64) ([]byte, error) {
	src := make([]byte, 0, len(p)+len(inflateTail))
	src = append(append(src, p...), inflateTail...)
	var dict []byte
	if !in.noContextTakeover {
		dict = in.window
	}
	r := flate.NewReaderDict(bytes.NewReader(src), dict)
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("%w: permessage-deflate inflate: %w", errWebSocket, err)
	}
	if int64(len(out)) > max {
		return nil, fmt.Errorf("%w: inflated message over the limit %d", errWebSocket, max)
	}
	if !in.noContextTakeover {
		w := append(in.window, out...)
		if len(w) > deflateWindow {
			w = append([]byte(nil), w[len(w)-deflateWindow:]...)
		}
		in.window = w
	}
	return out, nil
}

// deflateParams is what a 101 response's Sec-WebSocket-Extensions settled.
type deflateParams struct {
	enabled                 bool
	serverNoContextTakeover bool
	clientNoContextTakeover bool
}

// parseDeflate reads the negotiated permessage-deflate parameters.
func parseDeflate(resp *httpMessage) deflateParams {
	var p deflateParams
	for _, h := range resp.headers {
		if !strings.EqualFold(h[0], "Sec-WebSocket-Extensions") {
			continue
		}
		for _, ext := range strings.Split(h[1], ",") {
			params := strings.Split(ext, ";")
			if !strings.EqualFold(strings.TrimSpace(params[0]), "permessage-deflate") {
				continue
			}
			p.enabled = true
			for _, kv := range params[1:] {
				k, _, _ := strings.Cut(strings.TrimSpace(kv), "=")
				switch strings.ToLower(strings.TrimSpace(k)) {
				case "server_no_context_takeover":
					p.serverNoContextTakeover = true
				case "client_no_context_takeover":
					p.clientNoContextTakeover = true
				}
			}
		}
	}
	return p
}
