package main

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/fastsio/fastsio/tools/internal/sioclient"
)

// runEcho: -clients websocket clients, each in a closed loop emitting
// `echo` with an ack id and waiting for the ACK, for -warmup + -duration.
// Round trips that start inside the measured window are counted and timed.
func runEcho(ctx context.Context, o *options) error {
	d, err := o.dialer()
	if err != nil {
		return err
	}
	conns := make([]*sioclient.WSConn, o.clients)
	failed, err := dialMany(ctx, d, o.clients, o.concurrency, func(i int, w *sioclient.WSConn) { conns[i] = w })
	defer func() {
		for _, w := range conns {
			if w != nil {
				w.Close()
			}
		}
	}()
	if failed > 0 {
		return fmt.Errorf("%d of %d clients failed to connect: %w", failed, o.clients, err)
	}
	if err != nil {
		return err
	}
	hb := sioclient.NewHeartbeat(conns[0].Open.PingInterval)
	defer hb.Close()
	for _, w := range conns {
		hb.Add(w)
	}

	payload := payloadString(o.payload)
	args := []byte(`["echo","` + payload + `"]`)
	want := []byte(`["` + payload + `"]`)
	start := time.Now()
	measureFrom := start.Add(o.warmup)
	end := measureFrom.Add(o.duration)
	stats := make([]roundTripStats, len(conns))
	var wg sync.WaitGroup
	cpu := (*cpuMeter)(nil)
	var cpuOnce sync.Once
	for i, w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs := &stats[i]
			_ = w.SetReadDeadline(end.Add(30 * time.Second))
			buf := make([]byte, 0, len(args)+32)
			var id uint64
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				if !t0.Before(measureFrom) {
					cpuOnce.Do(func() { cpu = startCPU(o.serverPID) })
				}
				id++
				buf = sioclient.AppendEvent(buf[:0], w.Namespace(), true, id, args)
				if err := w.Write(buf); err != nil {
					cs.err = err
					return
				}
				for {
					pkt, err := w.Read()
					if err != nil {
						cs.err = err
						return
					}
					gotID, got, ok := sioclient.ParseAck(pkt, w.Namespace())
					if !ok {
						continue // pong or stray packet
					}
					if gotID != id || !bytes.Equal(got, want) {
						cs.errors++
						if gotID != id {
							continue
						}
					}
					break
				}
				if !t0.Before(measureFrom) {
					cs.h.record(time.Since(t0))
					cs.count++
				}
			}
		}()
	}
	wg.Wait()
	r := newResult(o, "echo", fmt.Sprintf("clients=%d payload=%dB", o.clients, o.payload))
	if cpu != nil {
		cpu.stop(r)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	rate := summarizeRoundTrips(r, stats, min(time.Since(measureFrom), o.duration))
	return r.emit(o, fmt.Sprintf("%s round trips, p50 %.3fms p99 %.3fms max %.3fms",
		fmtRate(rate), r.Metrics["p50_ms"], r.Metrics["p99_ms"], r.Metrics["max_ms"]))
}

// roundTripStats is what one client of a round-trip scenario (echo,
// polling) measured; only its own goroutine writes it.
type roundTripStats struct {
	h      hist
	count  int64
	errors int64
	err    error
}

// summarizeRoundTrips merges the clients' figures into r (errors, the first
// client error as a note, rate and latency quantiles) and returns the rate.
func summarizeRoundTrips(r *Result, stats []roundTripStats, elapsed time.Duration) float64 {
	var h hist
	var total int64
	for i := range stats {
		h.merge(&stats[i].h)
		total += stats[i].count
		r.Errors += stats[i].errors
		if stats[i].err != nil {
			r.Errors++
			if len(r.Notes) == 0 {
				r.note("client %d: %v", i, stats[i].err)
			}
		}
	}
	rate := float64(total) / elapsed.Seconds()
	r.Metrics["rt_per_s"] = rate
	r.Metrics["p50_ms"] = ms(h.quantile(0.50))
	r.Metrics["p99_ms"] = ms(h.quantile(0.99))
	r.Metrics["max_ms"] = ms(time.Duration(h.max))
	r.Metrics["round_trips"] = float64(total)
	return rate
}
