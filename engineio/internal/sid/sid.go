// Package sid generates engine.io session ids in the shape engine.io 1.8.3
// (base64id) produces: 15 bytes, 12 of them from crypto/rand followed by the
// low 3 bytes of a per-generator counter, encoded as URL-safe base64 (20
// characters, no padding). The random part makes ids unguessable; the counter
// makes two ids from one generator differ even if the random source repeated.
package sid

import (
	"crypto/rand"
	"encoding/base64"
	"sync/atomic"
)

// Generator produces session ids; safe for concurrent use.
type Generator struct {
	n atomic.Uint32
}

// New returns a fresh id such as "-fyS65uTrvsGnbciAAAA".
func (g *Generator) New() string {
	var b [15]byte
	// crypto/rand.Read never fails (it panics on a broken system source).
	_, _ = rand.Read(b[:12])
	c := g.n.Add(1) - 1
	b[12], b[13], b[14] = byte(c>>16), byte(c>>8), byte(c)
	return base64.URLEncoding.EncodeToString(b[:])
}
