package replay

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fastsio/fastsio/conformance/recording"
)

// liveKind says what a server-side event seen on a live connection is.
type liveKind int

const (
	liveResponse liveKind = iota // an HTTP response (status line, headers, body)
	liveFrame                    // a WebSocket message or control frame
	liveClose                    // the server ended the TCP connection (EOF or error)
)

func (k liveKind) String() string {
	switch k {
	case liveResponse:
		return "http_response"
	case liveFrame:
		return "ws_frame"
	default:
		return "tcp_close"
	}
}

// liveEvent is one thing the live server sent. Fields are owned by the event.
type liveEvent struct {
	kind liveKind
	at   time.Time

	status  int
	headers recording.Headers
	body    []byte // de-chunked, still compressed (as recorded)

	opcode     int
	data       []byte // unmasked, inflated
	compressed bool   // RSV1 was set

	err error // response/frame read error, or why the connection ended
	// afterClientClose marks a close that followed our own close of the
	// connection: a consequence of the client's action, not a server event.
	afterClientClose bool
}

// pmd is a negotiated permessage-deflate configuration (RFC 7692).
type pmd struct {
	serverNoContext bool
	clientNoContext bool
	clientMaxBits   int // 0 = not given (15)
}

func parsePMD(ext string) *pmd {
	for _, offer := range strings.Split(ext, ",") {
		parts := strings.Split(offer, ";")
		if strings.TrimSpace(parts[0]) != "permessage-deflate" {
			continue
		}
		p := &pmd{}
		for _, param := range parts[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
			v = strings.Trim(strings.TrimSpace(v), `"`)
			switch strings.TrimSpace(k) {
			case "server_no_context_takeover":
				p.serverNoContext = true
			case "client_no_context_takeover":
				p.clientNoContext = true
			case "client_max_window_bits":
				if n, err := strconv.Atoi(v); err == nil {
					p.clientMaxBits = n
				}
			}
		}
		return p
	}
	return nil
}

// maxBody bounds every body or message read from a live server.
const maxBody = 64 << 20

// liveConn is one TCP connection of the replay, standing for one recorded
// connection number. The reader goroutine owns br and appends to events;
// the replay goroutine writes requests and frames. mu guards the rest.
type liveConn struct {
	id     int
	nc     net.Conn
	br     *bufio.Reader
	notify func()

	mu           sync.Mutex
	events       []liveEvent
	done         bool     // reader goroutine has finished
	methods      []string // methods of requests not yet answered (HEAD has no body)
	ws           bool     // a 101 was read: the rest is WebSocket frames
	deflate      *pmd
	clientClosed bool

	// Compressor for client frames; used by the replay goroutine only.
	fw     *flate.Writer
	fwBuf  bytes.Buffer
	maskNo uint32

	readerDone chan struct{}
}

func newLiveConn(id int, nc net.Conn, notify func()) *liveConn {
	c := &liveConn{id: id, nc: nc, br: bufio.NewReaderSize(nc, 64<<10), notify: notify, readerDone: make(chan struct{})}
	go c.read()
	return c
}

func (c *liveConn) add(ev liveEvent) {
	ev.at = time.Now()
	c.mu.Lock()
	if ev.kind == liveClose {
		ev.afterClientClose = c.clientClosed
		c.done = true
	}
	c.events = append(c.events, ev)
	c.mu.Unlock()
	c.notify()
}

// snapshot returns the events seen so far and whether more can come.
func (c *liveConn) snapshot() ([]liveEvent, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events[:len(c.events):len(c.events)], c.done
}

func (c *liveConn) read() {
	defer close(c.readerDone)
	var err error
	for {
		c.mu.Lock()
		ws := c.ws
		c.mu.Unlock()
		if ws {
			err = c.readWS()
			break
		}
		if _, err = c.br.Peek(1); err != nil {
			break
		}
		c.mu.Lock()
		method := "GET"
		if len(c.methods) > 0 {
			method = c.methods[0]
			c.methods = c.methods[1:]
		}
		c.mu.Unlock()
		ev, rerr := readResponse(c.br, method)
		if rerr != nil && ev.status == 0 {
			err = rerr
			break
		}
		ev.err = rerr
		if ev.status == 101 {
			c.mu.Lock()
			c.ws = true
			c.deflate = parsePMD(ev.headers.Get("Sec-WebSocket-Extensions"))
			c.mu.Unlock()
		}
		c.add(ev)
		if rerr != nil {
			err = rerr
			break
		}
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	c.add(liveEvent{kind: liveClose, err: err})
}

// readResponse reads one HTTP/1.x response. On a body error the event
// carries what was read (status > 0) and the error.
func readResponse(br *bufio.Reader, method string) (liveEvent, error) {
	ev := liveEvent{kind: liveResponse}
	line, err := readLine(br)
	if err != nil {
		return ev, fmt.Errorf("replay: status line: %w", err)
	}
	proto, rest, _ := strings.Cut(line, " ")
	code, _, _ := strings.Cut(rest, " ")
	st, err := strconv.Atoi(code)
	if !strings.HasPrefix(proto, "HTTP/1.") || err != nil || st < 100 || st > 999 {
		return ev, fmt.Errorf("replay: malformed status line %q", line)
	}
	ev.status = st
	for {
		line, err := readLine(br)
		if err != nil {
			return ev, fmt.Errorf("replay: headers: %w", err)
		}
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return ev, fmt.Errorf("replay: malformed header line %q", line)
		}
		ev.headers = append(ev.headers, [2]string{k, strings.TrimSpace(v)})
		if len(ev.headers) > 1000 {
			return ev, fmt.Errorf("replay: too many headers")
		}
	}
	if method == "HEAD" || st < 200 || st == 204 || st == 304 {
		return ev, nil
	}
	var r io.Reader
	switch {
	case strings.EqualFold(ev.headers.Get("Transfer-Encoding"), "chunked"):
		r = httputil.NewChunkedReader(br)
	case ev.headers.Get("Content-Length") != "":
		n, err := strconv.ParseInt(ev.headers.Get("Content-Length"), 10, 64)
		if err != nil || n < 0 || n > maxBody {
			return ev, fmt.Errorf("replay: bad Content-Length %q", ev.headers.Get("Content-Length"))
		}
		ev.body = make([]byte, n)
		_, err = io.ReadFull(br, ev.body)
		if err != nil {
			return ev, fmt.Errorf("replay: body: %w", err)
		}
		return ev, nil
	default:
		r = br // until the server closes
	}
	ev.body, err = io.ReadAll(io.LimitReader(r, maxBody+1))
	if err == nil && len(ev.body) > maxBody {
		err = fmt.Errorf("replay: body larger than %d bytes", maxBody)
	}
	if err != nil {
		return ev, fmt.Errorf("replay: body: %w", err)
	}
	if r != io.Reader(br) {
		// The chunked reader stops after the last chunk; the trailer
		// section (usually just CRLF) follows.
		for {
			line, err := readLine(br)
			if err != nil {
				return ev, fmt.Errorf("replay: chunked trailer: %w", err)
			}
			if line == "" {
				break
			}
		}
	}
	return ev, nil
}

func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if err != nil {
			if err == io.EOF && len(b) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		b = append(b, chunk...)
		if len(b) > 64<<10 {
			return "", fmt.Errorf("replay: line longer than 64 KiB")
		}
		if !isPrefix {
			return string(b), nil
		}
	}
}

// readWS reads WebSocket frames until the connection ends. Data messages
// are reassembled and inflated; control frames become events of their own.
func (c *liveConn) readWS() error {
	var (
		msgOp   int
		msgComp bool
		msg     []byte
		dict    []byte // last 32 KiB of inflated output (context takeover)
	)
	for {
		fin, rsv1, op, data, err := readFrame(c.br)
		if err != nil {
			return err
		}
		if op >= 8 {
			c.add(liveEvent{kind: liveFrame, opcode: op, data: data})
			continue
		}
		if op != 0 {
			msgOp, msgComp, msg = op, rsv1, nil
		} else if msgOp == 0 {
			return fmt.Errorf("replay: continuation frame without a message")
		}
		msg = append(msg, data...)
		if len(msg) > maxBody {
			return fmt.Errorf("replay: message larger than %d bytes", maxBody)
		}
		if !fin {
			continue
		}
		ev := liveEvent{kind: liveFrame, opcode: msgOp, data: msg, compressed: msgComp}
		if msgComp {
			c.mu.Lock()
			p := c.deflate
			c.mu.Unlock()
			if p == nil {
				ev.err = fmt.Errorf("replay: RSV1 set but permessage-deflate was not negotiated")
			} else {
				out, err := inflate(msg, dict)
				if err != nil {
					ev.err = err
				} else {
					ev.data = out
					if !p.serverNoContext {
						dict = append(dict, out...)
						if len(dict) > 32<<10 {
							dict = append([]byte(nil), dict[len(dict)-32<<10:]...)
						}
					}
				}
			}
		}
		c.add(ev)
		msgOp, msg = 0, nil
	}
}

// deflateTail ends a sync-flushed message and adds an empty final block so
// the inflater reaches a clean EOF.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

func inflate(msg, dict []byte) ([]byte, error) {
	in := make([]byte, 0, len(msg)+len(deflateTail))
	in = append(append(in, msg...), deflateTail...)
	r := flate.NewReaderDict(bytes.NewReader(in), dict)
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("replay: inflate: %w", err)
	}
	if len(out) > maxBody {
		return nil, fmt.Errorf("replay: inflated message larger than %d bytes", maxBody)
	}
	return out, nil
}

func readFrame(br *bufio.Reader) (fin, rsv1 bool, op int, data []byte, err error) {
	var h [2]byte
	if _, err = io.ReadFull(br, h[:]); err != nil {
		return
	}
	fin, rsv1, op = h[0]&0x80 != 0, h[0]&0x40 != 0, int(h[0]&0x0f)
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err = io.ReadFull(br, b[:]); err != nil {
			return
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err = io.ReadFull(br, b[:]); err != nil {
			return
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > maxBody {
		err = fmt.Errorf("replay: frame of %d bytes", n)
		return
	}
	var mask [4]byte
	masked := h[1]&0x80 != 0
	if masked {
		if _, err = io.ReadFull(br, mask[:]); err != nil {
			return
		}
	}
	data = make([]byte, n)
	if _, err = io.ReadFull(br, data); err != nil {
		return
	}
	if masked {
		for i := range data {
			data[i] ^= mask[i&3]
		}
	}
	return
}

// writeRequest sends one HTTP request exactly as given.
func (c *liveConn) writeRequest(method, target string, headers recording.Headers, body []byte) error {
	var b bytes.Buffer
	b.WriteString(method + " " + target + " HTTP/1.1\r\n")
	for _, h := range headers {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	c.mu.Lock()
	c.methods = append(c.methods, method)
	c.mu.Unlock()
	return c.write(b.Bytes())
}

func (c *liveConn) write(b []byte) error {
	_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.nc.Write(b)
	return err
}

// writeFrame sends one masked client frame; compress asks for
// permessage-deflate when it was negotiated (and the window allows).
func (c *liveConn) writeFrame(op int, data []byte, compress bool) error {
	c.mu.Lock()
	p := c.deflate
	c.mu.Unlock()
	rsv1 := false
	payload := data
	if compress && op < 8 && p != nil && (p.clientMaxBits == 0 || p.clientMaxBits == 15) {
		if c.fw == nil {
			c.fw, _ = flate.NewWriter(&c.fwBuf, flate.BestSpeed)
		} else if p.clientNoContext {
			c.fw.Reset(&c.fwBuf)
		}
		c.fwBuf.Reset()
		if _, err := c.fw.Write(data); err != nil {
			return err
		}
		if err := c.fw.Flush(); err != nil {
			return err
		}
		out := c.fwBuf.Bytes()
		payload = bytes.TrimSuffix(out, []byte{0x00, 0x00, 0xff, 0xff})
		rsv1 = true
	}
	var b bytes.Buffer
	h0 := byte(0x80) | byte(op&0x0f)
	if rsv1 {
		h0 |= 0x40
	}
	b.WriteByte(h0)
	n := len(payload)
	switch {
	case n < 126:
		b.WriteByte(0x80 | byte(n))
	case n <= 0xffff:
		b.WriteByte(0x80 | 126)
		b.Write(binary.BigEndian.AppendUint16(nil, uint16(n)))
	default:
		b.WriteByte(0x80 | 127)
		b.Write(binary.BigEndian.AppendUint64(nil, uint64(n)))
	}
	// The mask only has to be unpredictable to browsers' peers; a counter
	// keeps replays deterministic.
	c.maskNo++
	var mask [4]byte
	binary.BigEndian.PutUint32(mask[:], 0x9e3779b9*c.maskNo)
	b.Write(mask[:])
	for i, x := range payload {
		b.WriteByte(x ^ mask[i&3])
	}
	return c.write(b.Bytes())
}

// closeWrite ends the client's side (FIN) and keeps reading what the server
// still sends.
func (c *liveConn) closeWrite() {
	c.mu.Lock()
	c.clientClosed = true
	c.mu.Unlock()
	if tc, ok := c.nc.(interface{ CloseWrite() error }); ok {
		if tc.CloseWrite() == nil {
			return
		}
	}
	c.nc.Close()
}

// shutdown closes the connection and waits for the reader.
func (c *liveConn) shutdown() {
	c.mu.Lock()
	c.clientClosed = true
	c.mu.Unlock()
	c.nc.Close()
	<-c.readerDone
}
