package parser

import "strconv"

// AppendPacket appends the text form of p (the first engine.io message of the
// packet) to dst and returns the extended buffer, byte for byte as
// socket.io-parser 2.3.1 encodes it:
//
//	<type>[<len(Attachments)>-][<nsp>][,][<id>][<Data>]
//
// The attachment count is written for BinaryEvent and BinaryAck only (even
// when it is 0: "50-[...]"); the namespace is omitted for the root ("" or
// "/"); a comma follows a written namespace only if an id or data follows
// (so "0/chat", not "0/chat,"). Data is copied verbatim: it must be valid
// JSON produced by [AppendJSON] or taken from a decoded packet. Like the
// reference, nothing is validated: a namespace containing ',' or a binary
// type without attachments is written as given.
//
// The attachments themselves are sent unchanged as the following binary
// engine.io messages, in order. AppendPacket is safe for concurrent use and
// does not allocate when dst has enough capacity.
func AppendPacket(dst []byte, p *Packet) []byte {
	dst = append(dst, '0'+byte(p.Type))
	if p.Type.IsBinary() {
		dst = strconv.AppendInt(dst, int64(len(p.Attachments)), 10)
		dst = append(dst, '-')
	}
	nsp := !p.IsRoot()
	if nsp {
		dst = append(dst, p.Namespace...)
	}
	if p.HasID {
		if nsp {
			dst = append(dst, ',')
			nsp = false
		}
		dst = strconv.AppendUint(dst, p.ID, 10)
	}
	if p.Data != nil {
		if nsp {
			dst = append(dst, ',')
		}
		dst = append(dst, p.Data...)
	}
	return dst
}

// Encode returns the packet as the list of engine.io messages it travels
// in: a freshly allocated text header and the attachments (p.Attachments,
// not copied; they are sent as binary messages).
func Encode(p *Packet) (header []byte, attachments [][]byte) {
	n := 24 + len(p.Namespace) + len(p.Data)
	return AppendPacket(make([]byte, 0, n), p), p.Attachments
}
