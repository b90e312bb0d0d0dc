package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastsio/fastsio/tools/internal/sioclient"
)

func (o *options) dialer() (*sioclient.Dialer, error) {
	return sioclient.NewDialer(sioclient.Config{
		URL:         o.url,
		Path:        o.path,
		Namespace:   o.nsp,
		SourceAddrs: o.sourceAddrs,
	})
}

// payloadString returns n ASCII bytes that need no JSON escaping.
func payloadString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[i%len(alphabet)]
	}
	return string(b)
}

// dialMany opens n websocket sessions with conc parallel dialers and calls
// keep for each (from the dialing goroutines). It returns the number of
// failed dials and the first error.
func dialMany(ctx context.Context, d *sioclient.Dialer, n, conc int, keep func(i int, w *sioclient.WSConn)) (int64, error) {
	var next atomic.Int64
	var failed atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				w, err := d.Dial(ctx)
				if err != nil {
					failed.Add(1)
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					// A server that refuses everything should not be
					// hammered n times.
					if failed.Load() > int64(n/10)+10 {
						return
					}
					continue
				}
				keep(i, w)
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return failed.Load(), first
	}
	return failed.Load(), ctx.Err()
}

// statsClient asks the contract's `stats` event over a dedicated
// connection that nobody else reads.
// openControl dials the control connection the server's stats are sampled
// over and takes the baseline sample; the caller aborts sc.w.
func openControl(ctx context.Context, d *sioclient.Dialer) (sc *statsClient, base map[string]float64, err error) {
	ctl, err := d.Dial(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("control connection: %w", err)
	}
	sc = &statsClient{w: ctl}
	if base, err = sc.stats(); err != nil {
		ctl.Abort()
		return nil, nil, err
	}
	return sc, base, nil
}

type statsClient struct {
	w   *sioclient.WSConn
	id  uint64
	buf []byte
}

var statsArgs = []byte(`["stats"]`)

// stats returns the numeric fields of the ack object: "sockets", "rss" and
// whatever else the server adds (e.g. "heap", "goroutines").
func (s *statsClient) stats() (map[string]float64, error) {
	s.id++
	s.buf = sioclient.AppendEvent(s.buf[:0], s.w.Namespace(), true, s.id, statsArgs)
	if err := s.w.Write(s.buf); err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	_ = s.w.SetReadDeadline(time.Now().Add(30 * time.Second))
	defer s.w.SetReadDeadline(time.Time{})
	for {
		pkt, err := s.w.Read()
		if err != nil {
			return nil, fmt.Errorf("stats: %w", err)
		}
		id, args, ok := sioclient.ParseAck(pkt, s.w.Namespace())
		if !ok || id != s.id {
			continue
		}
		var arr []map[string]any
		if err := json.Unmarshal(args, &arr); err != nil || len(arr) == 0 {
			return nil, fmt.Errorf("stats: unexpected ack %q", args)
		}
		out := map[string]float64{}
		for k, v := range arr[0] {
			if f, ok := v.(float64); ok {
				out[k] = f
			}
		}
		if _, ok := out["rss"]; !ok {
			return nil, fmt.Errorf("stats: ack without rss: %q", args)
		}
		if _, ok := out["sockets"]; !ok {
			return nil, fmt.Errorf("stats: ack without sockets: %q", args)
		}
		return out, nil
	}
}

func fmtBytes(v float64) string {
	switch {
	case v >= 1<<30 || v <= -(1<<30):
		return strconv.FormatFloat(v/(1<<30), 'f', 2, 64) + "GiB"
	case v >= 1<<20 || v <= -(1<<20):
		return strconv.FormatFloat(v/(1<<20), 'f', 1, 64) + "MiB"
	case v >= 1<<10 || v <= -(1<<10):
		return strconv.FormatFloat(v/(1<<10), 'f', 1, 64) + "KiB"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "B"
}

func fmtRate(v float64) string {
	if v >= 1e4 {
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "k/s"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "/s"
}

func ints(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}
