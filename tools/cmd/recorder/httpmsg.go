package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits that keep a misbehaving peer from making the recorder buffer without
// bound. Bodies are buffered whole (record first, then forward), so the body
// limit is the largest message the recorder can pass through.
const (
	maxLineBytes   = 64 << 10
	maxHeaderBytes = 1 << 20
)

// errMalformed wraps every parse failure of an HTTP message.
var errMalformed = errors.New("recorder: malformed HTTP message")

// httpMessage is one parsed HTTP/1.x request or response.
type httpMessage struct {
	raw []byte // exact bytes as read from the wire, including chunk framing

	// request line
	method, target string
	// status line
	status int
	reason string

	proto   string
	headers [][2]string // wire order and case
	body    []byte      // de-chunked, not decompressed
	chunked bool
}

// header returns the first value of the named header (case-insensitive).
func (m *httpMessage) header(name string) (string, bool) {
	for _, h := range m.headers {
		if strings.EqualFold(h[0], name) {
			return h[1], true
		}
	}
	return "", false
}

// hasToken reports whether a comma-separated header (all occurrences) contains tok.
func (m *httpMessage) hasToken(name, tok string) bool {
	for _, h := range m.headers {
		if !strings.EqualFold(h[0], name) {
			continue
		}
		for _, part := range strings.Split(h[1], ",") {
			if strings.EqualFold(strings.TrimSpace(part), tok) {
				return true
			}
		}
	}
	return false
}

// isUpgradeRequest reports whether the request asks for a websocket upgrade.
func (m *httpMessage) isUpgradeRequest() bool {
	return m.hasToken("Upgrade", "websocket") || (m.hasToken("Connection", "upgrade") && m.hasHeader("Upgrade"))
}

func (m *httpMessage) hasHeader(name string) bool {
	_, ok := m.header(name)
	return ok
}

// readLine reads one line (LF or CRLF terminated), appends its raw bytes to
// *raw and returns it without the line ending. io.EOF is returned only when
// no byte at all was read.
func readLine(br *bufio.Reader, raw *[]byte, limit int) (string, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		*raw = append(*raw, chunk...)
		if len(line) > limit {
			return "", fmt.Errorf("%w: line longer than %d bytes", errMalformed, limit)
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && len(line) > 0 {
			return "", fmt.Errorf("%w: connection closed mid-line: %w", errMalformed, io.ErrUnexpectedEOF)
		}
		return "", err
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return string(line), nil
}

// readHeaders reads header lines up to and including the blank line.
func readHeaders(br *bufio.Reader, m *httpMessage) error {
	start := len(m.raw)
	for {
		line, err := readLine(br, &m.raw, maxLineBytes)
		if err != nil {
			return eofIsUnexpected(err, "headers")
		}
		if line == "" {
			return nil
		}
		if len(m.raw)-start > maxHeaderBytes {
			return fmt.Errorf("%w: header block longer than %d bytes", errMalformed, maxHeaderBytes)
		}
		if line[0] == ' ' || line[0] == '\t' { // obsolete line folding
			if len(m.headers) == 0 {
				return fmt.Errorf("%w: continuation line before any header", errMalformed)
			}
			m.headers[len(m.headers)-1][1] += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return fmt.Errorf("%w: bad header line %q", errMalformed, truncate(line))
		}
		m.headers = append(m.headers, [2]string{name, strings.Trim(value, " \t")})
	}
}

func eofIsUnexpected(err error, where string) error {
	if err == io.EOF {
		return fmt.Errorf("%w: connection closed in %s: %w", errMalformed, where, io.ErrUnexpectedEOF)
	}
	return err
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// readRequest reads one complete request. It returns io.EOF if the
// connection ended cleanly before the first byte of a request.
func readRequest(br *bufio.Reader, maxBody int64) (*httpMessage, error) {
	m := &httpMessage{}
	var line string
	var err error
	for { // tolerate stray empty lines between requests (RFC 9112 §2.2)
		line, err = readLine(br, &m.raw, maxLineBytes)
		if err != nil {
			return nil, err
		}
		if line != "" {
			break
		}
		m.raw = m.raw[:0]
	}
	parts := strings.SplitN(line, " ", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || !strings.HasPrefix(parts[2], "HTTP/") {
		return nil, fmt.Errorf("%w: bad request line %q", errMalformed, truncate(line))
	}
	m.method, m.target, m.proto = parts[0], parts[1], parts[2]
	if err := readHeaders(br, m); err != nil {
		return nil, err
	}
	// A request without Content-Length or chunked coding has no body.
	if err := readBody(br, m, maxBody, false); err != nil {
		return nil, err
	}
	return m, nil
}

// readResponseHead reads a status line and headers, without the body.
func readResponseHead(br *bufio.Reader) (*httpMessage, error) {
	m := &httpMessage{}
	line, err := readLine(br, &m.raw, maxLineBytes)
	if err != nil {
		return nil, err
	}
	parts := strings.SplitN(line, " ", 3)
	if len(parts) < 2 || !strings.HasPrefix(parts[0], "HTTP/") || len(parts[1]) != 3 {
		return nil, fmt.Errorf("%w: bad status line %q", errMalformed, truncate(line))
	}
	code, err := strconv.Atoi(parts[1])
	if err != nil || code < 100 {
		return nil, fmt.Errorf("%w: bad status code in %q", errMalformed, truncate(line))
	}
	m.proto, m.status = parts[0], code
	if len(parts) == 3 {
		m.reason = parts[2]
	}
	if err := readHeaders(br, m); err != nil {
		return nil, err
	}
	return m, nil
}

// responseHasBody applies RFC 9112 §6.3 rules 1-2.
func responseHasBody(status int, reqMethod string) bool {
	if status < 200 || status == 204 || status == 304 {
		return false
	}
	return reqMethod != "HEAD"
}

// readResponseBody reads the body of a response whose head m was read with
// readResponseHead. Without framing headers the body runs to EOF.
func readResponseBody(br *bufio.Reader, m *httpMessage, reqMethod string, maxBody int64) error {
	if !responseHasBody(m.status, reqMethod) {
		return nil
	}
	return readBody(br, m, maxBody, true)
}

// readResponse reads a whole response (head and body).
func readResponse(br *bufio.Reader, reqMethod string, maxBody int64) (*httpMessage, error) {
	m, err := readResponseHead(br)
	if err != nil {
		return nil, err
	}
	if err := readResponseBody(br, m, reqMethod, maxBody); err != nil {
		return nil, err
	}
	return m, nil
}

func readBody(br *bufio.Reader, m *httpMessage, maxBody int64, untilEOF bool) error {
	if te, ok := m.header("Transfer-Encoding"); ok && strings.EqualFold(strings.TrimSpace(lastToken(te)), "chunked") {
		m.chunked = true
		return readChunked(br, m, maxBody)
	}
	if cl, ok := m.header("Content-Length"); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(cl), 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: bad Content-Length %q", errMalformed, truncate(cl))
		}
		if n > maxBody {
			return fmt.Errorf("%w: Content-Length %d over the limit %d", errMalformed, n, maxBody)
		}
		return readN(br, m, n)
	}
	if !untilEOF {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(br, maxBody+1))
	if err != nil {
		return err
	}
	if int64(len(body)) > maxBody {
		return fmt.Errorf("%w: close-delimited body over the limit %d", errMalformed, maxBody)
	}
	m.body = body
	m.raw = append(m.raw, body...)
	return nil
}

func lastToken(s string) string {
	if i := strings.LastIndexByte(s, ','); i >= 0 {
		return s[i+1:]
	}
	return s
}

func readN(br *bufio.Reader, m *httpMessage, n int64) error {
	start := len(m.raw)
	m.raw = append(m.raw, make([]byte, n)...)
	if _, err := io.ReadFull(br, m.raw[start:]); err != nil {
		return eofIsUnexpected(errUnexpected(err), "body")
	}
	m.body = append(m.body, m.raw[start:]...)
	return nil
}

func errUnexpected(err error) error {
	if err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: connection closed in body: %w", errMalformed, err)
	}
	return err
}

func readChunked(br *bufio.Reader, m *httpMessage, maxBody int64) error {
	m.body = []byte{}
	for {
		line, err := readLine(br, &m.raw, maxLineBytes)
		if err != nil {
			return eofIsUnexpected(err, "chunk size")
		}
		sizeText, _, _ := strings.Cut(line, ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 64)
		if err != nil || size < 0 {
			return fmt.Errorf("%w: bad chunk size line %q", errMalformed, truncate(line))
		}
		if size == 0 {
			// trailers, then the blank line
			for {
				t, err := readLine(br, &m.raw, maxLineBytes)
				if err != nil {
					return eofIsUnexpected(err, "chunked trailer")
				}
				if t == "" {
					return nil
				}
			}
		}
		if int64(len(m.body))+size > maxBody {
			return fmt.Errorf("%w: chunked body over the limit %d", errMalformed, maxBody)
		}
		if err := readN(br, m, size); err != nil {
			return err
		}
		crlf, err := readLine(br, &m.raw, maxLineBytes)
		if err != nil {
			return eofIsUnexpected(err, "chunk end")
		}
		if crlf != "" {
			return fmt.Errorf("%w: chunk data not followed by CRLF", errMalformed)
		}
	}
}

// rebuildRequest re-serialises a request after its headers were edited.
// The body is re-sent with the original framing.
func rebuildRequest(m *httpMessage) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s\r\n", m.method, m.target, m.proto)
	for _, h := range m.headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	if m.chunked {
		if len(m.body) > 0 {
			fmt.Fprintf(&b, "%x\r\n", len(m.body))
			b.Write(m.body)
			b.WriteString("\r\n")
		}
		b.WriteString("0\r\n\r\n")
	} else {
		b.Write(m.body)
	}
	m.raw = b.Bytes()
}

// removeHeader deletes every occurrence of the named header.
func (m *httpMessage) removeHeader(name string) bool {
	out := m.headers[:0]
	removed := false
	for _, h := range m.headers {
		if strings.EqualFold(h[0], name) {
			removed = true
			continue
		}
		out = append(out, h)
	}
	m.headers = out
	return removed
}
