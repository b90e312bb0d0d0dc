package parser

import (
	"strconv"
)

// Options are the decoder's limits. The zero value (or a nil *Options)
// selects the defaults. socket.io-parser 2.3.1 has none of these limits;
// they exist so that one client cannot make the server buffer or recurse
// without bound. Negative values are rejected by [NewDecoder].
type Options struct {
	// MaxAttachments is the largest attachment count a BINARY_EVENT or
	// BINARY_ACK header may announce. Default 1000. A larger count is
	// ErrLimit (fatal): the attachments that follow could not be framed.
	MaxAttachments int

	// MaxBufferedBytes bounds the attachment bytes held for one packet
	// being reconstructed. Default 100 MB (engine.io 1.8.3's default
	// maxHttpBufferSize, which bounds one message). Exceeding it is
	// ErrLimit (fatal) and discards the partial packet.
	MaxBufferedBytes int64

	// MaxDepth bounds the nesting of arrays and objects in packet data
	// (Node's JSON.parse has no practical limit). Default 1000, at most
	// 10000 (encoding/json's own limit, used by Args.Decode). Deeper data is
	// ErrParse: the packet is dropped.
	MaxDepth int

	// MaxNamespaceLen bounds the namespace (including a CONNECT query
	// string). Default 16384 bytes. Longer is ErrParse.
	MaxNamespaceLen int
}

// Default limits, see [Options].
const (
	DefaultMaxAttachments   = 1000
	DefaultMaxBufferedBytes = 100_000_000
	DefaultMaxDepth         = 1000
	DefaultMaxNamespaceLen  = 16384
	maxMaxDepth             = 10000
)

// Decoder turns engine.io messages into socket.io packets, one connection's
// worth: it remembers the binary packet being reconstructed between calls.
// A Decoder is not safe for concurrent use; a server owns one per
// connection and feeds it from the connection's reader.
type Decoder struct {
	opts Options

	// Reconstruction in progress (2.3.1's BinaryReconstructor).
	recon    bool
	pkt      Packet
	need     int
	buffered int64
	reconErr *OpError // bad placeholder: reported once the attachments are consumed

	nsCache []string // recently seen namespaces, to avoid a string allocation per packet
}

// NewDecoder returns a Decoder with the given limits (nil = defaults).
// It fails only for invalid options.
func NewDecoder(opts *Options) (*Decoder, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxAttachments < 0 || o.MaxBufferedBytes < 0 || o.MaxDepth < 0 || o.MaxNamespaceLen < 0 {
		return nil, newErr("options", -1, ErrLimit, "negative limit")
	}
	if o.MaxDepth > maxMaxDepth {
		return nil, newErr("options", -1, ErrLimit, "MaxDepth above "+strconv.Itoa(maxMaxDepth))
	}
	if o.MaxAttachments == 0 {
		o.MaxAttachments = DefaultMaxAttachments
	}
	if o.MaxBufferedBytes == 0 {
		o.MaxBufferedBytes = DefaultMaxBufferedBytes
	}
	if o.MaxDepth == 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxNamespaceLen == 0 {
		o.MaxNamespaceLen = DefaultMaxNamespaceLen
	}
	return &Decoder{opts: o}, nil
}

// Pending reports whether a binary packet is waiting for attachments.
func (d *Decoder) Pending() bool { return d.recon }

// Reset discards a partially received binary packet (2.3.1's destroy, for
// when the connection closes). The Decoder stays usable.
func (d *Decoder) Reset() {
	d.recon = false
	d.pkt = Packet{}
	d.need = 0
	d.buffered = 0
	d.reconErr = nil
}

// Add feeds one engine.io message: data is the message payload, binary
// whether it was a binary message. data is not retained: everything in the
// returned Packet is a copy the caller owns.
//
// It returns ok = true with a complete packet, ok = false when the message
// was consumed without completing one (a binary header with attachments to
// come, or an attachment that is not the last one), or an error:
//   - errors wrapping ErrParse: the message (or, for a bad placeholder, the
//     whole binary packet) is dropped, as 2.3.1's "parser error" packet is;
//     keep going.
//   - errors for which [IsFatal] is true (ErrIllegalAttachments,
//     ErrUnexpectedBinary, ErrLimit): the 1.7.3 server treats them as a
//     "client error" and stops handling the client's packets.
//
// As in 2.3.1, a text message arriving while a binary packet waits for its
// attachments is decoded and returned at once without disturbing the
// reconstruction, and a new binary header replaces an unfinished one. An
// empty text message decodes as CONNECT "/" (2.3.1's decodeString quirk);
// note that engine.io messages *without data* are a fatal error in the
// 1.7.3 server, which must be checked by the caller before Add.
func (d *Decoder) Add(data []byte, binary bool) (Packet, bool, error) {
	if binary {
		return d.addBinary(data)
	}
	p, natt, perr, ferr := d.decodeText(data)
	if ferr != nil {
		return Packet{}, false, ferr
	}
	if !p.Type.IsBinary() {
		if perr != nil {
			return Packet{}, false, perr
		}
		return p, true, nil
	}
	// A binary header (re)starts the reconstruction.
	d.Reset()
	if natt == 0 {
		if perr != nil {
			return Packet{}, false, perr
		}
		p.Attachments = [][]byte{}
		return p, true, nil
	}
	d.recon = true
	d.pkt = p
	d.need = natt
	d.pkt.Attachments = make([][]byte, 0, natt)
	d.reconErr = perr
	return Packet{}, false, nil
}

func (d *Decoder) addBinary(data []byte) (Packet, bool, error) {
	if !d.recon {
		return Packet{}, false, newErr("decode binary", -1, ErrUnexpectedBinary, "no binary packet header is waiting for attachments")
	}
	d.buffered += int64(len(data))
	if d.buffered > d.opts.MaxBufferedBytes {
		n := len(d.pkt.Attachments)
		d.Reset()
		return Packet{}, false, newErr("decode binary", -1, ErrLimit, "attachment "+strconv.Itoa(n)+" brings the buffered attachment bytes above "+strconv.FormatInt(d.opts.MaxBufferedBytes, 10))
	}
	b := make([]byte, len(data)) // non-nil even when empty: an empty attachment is still binary
	copy(b, data)
	d.pkt.Attachments = append(d.pkt.Attachments, b)
	if len(d.pkt.Attachments) < d.need {
		return Packet{}, false, nil
	}
	p, perr := d.pkt, d.reconErr
	d.Reset()
	if perr != nil {
		return Packet{}, false, perr
	}
	return p, true, nil
}

// decodeText parses a text message. err means the message is not a packet
// (ErrParse: dropped without touching a reconstruction in progress, like
// 2.3.1's error packet; or fatal). perr is a bad placeholder in an otherwise
// valid packet: for binary headers it is reported only once the attachments
// have been consumed, so that message framing survives.
func (d *Decoder) decodeText(s []byte) (p Packet, natt int, perr, err *OpError) {
	if len(s) == 0 {
		return Packet{Type: Connect, Namespace: "/"}, 0, nil, nil
	}
	c := s[0]
	if c < '0' || c > '6' {
		return p, 0, nil, newErr("decode", 0, ErrParse, "unknown packet type "+strconv.QuoteRune(rune(c)))
	}
	p.Type = Type(c - '0')
	i := 1
	if p.Type.IsBinary() {
		j := i
		n := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			if n > d.opts.MaxAttachments {
				break
			}
			n = n*10 + int(s[j]-'0')
			j++
		}
		if n > d.opts.MaxAttachments {
			return p, 0, nil, newErr("decode", 1, ErrLimit, "attachment count above "+strconv.Itoa(d.opts.MaxAttachments))
		}
		if j >= len(s) || s[j] != '-' {
			return p, 0, nil, newErr("decode", j, ErrIllegalAttachments, "attachment count must be ASCII digits followed by '-'")
		}
		natt = n // "5-" is 0, like Number("") in 2.3.1
		i = j + 1
	}
	p.Namespace = "/"
	if i < len(s) && s[i] == '/' {
		j := i
		for j < len(s) && s[j] != ',' {
			j++
		}
		if j-i > d.opts.MaxNamespaceLen {
			return p, 0, nil, newErr("decode", i, ErrParse, "namespace longer than "+strconv.Itoa(d.opts.MaxNamespaceLen)+" bytes")
		}
		p.Namespace = d.namespace(s[i:j])
		i = j
		if i < len(s) {
			i++ // the ','
		}
	}
	if i < len(s) && s[i] >= '0' && s[i] <= '9' {
		var id uint64
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			dg := uint64(s[j] - '0')
			if id > (1<<64-1-dg)/10 {
				return p, 0, nil, newErr("decode", i, ErrParse, "ack id does not fit in 64 bits")
			}
			id = id*10 + dg
			j++
		}
		p.ID, p.HasID = id, true
		i = j
	}
	if i < len(s) {
		if isSpace(s[i]) {
			// 2.3.1 would read whitespace as ack id digits; see doc.go.
			return p, 0, nil, newErr("decode", i, ErrParse, "whitespace before packet data")
		}
		sc := scanner{data: s[i:], maxDepth: d.opts.MaxDepth, natt: -1}
		if p.Type.IsBinary() {
			sc.natt = natt
		}
		if _, ok := sc.scan(); !ok {
			sc.err.Offset += i
			return p, 0, nil, sc.err
		}
		if sc.phErr != nil {
			sc.phErr.Offset += i
			perr = sc.phErr
		}
		end := len(s)
		for isSpace(s[end-1]) {
			end--
		}
		p.Data = append([]byte(nil), s[i:end]...)
	}
	return p, natt, perr, nil
}

// namespace returns b as a string, reusing a recently seen one to save the
// allocation for the common case of a few namespaces per connection.
func (d *Decoder) namespace(b []byte) string {
	for _, ns := range d.nsCache {
		if ns == string(b) {
			return ns
		}
	}
	ns := string(b)
	if len(d.nsCache) < 8 && len(ns) <= 256 {
		d.nsCache = append(d.nsCache, ns)
	}
	return ns
}
