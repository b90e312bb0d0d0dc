package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// runChurn: -clients loops, each repeatedly opening a websocket session
// (handshake + CONNECT) and closing it (close frame + TCP close), for
// -duration. Before and after, the server's stats are sampled over a
// separate control connection; after the loop the generator waits (up to
// -timeout) for the server's socket count to return to its baseline.
func runChurn(ctx context.Context, o *options) error {
	d, err := o.dialer()
	if err != nil {
		return err
	}
	sc, base, err := openControl(ctx, d)
	if err != nil {
		return err
	}
	defer sc.w.Abort()
	var cycles, failures atomic.Int64
	var firstErr atomic.Pointer[error]
	end := time.Now().Add(o.duration)
	cpu := startCPU(o.serverPID)
	start := time.Now()
	var wg sync.WaitGroup
	for range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(end) {
				w, err := d.Dial(ctx)
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, &err)
					time.Sleep(10 * time.Millisecond) // don't spin on a refusing server
					continue
				}
				w.Close()
				cycles.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := newResult(o, "churn", fmt.Sprintf("clients=%d", o.clients))
	cpu.stop(r)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.Errors = failures.Load()
	if p := firstErr.Load(); p != nil {
		r.note("first failure: %v", *p)
	}
	// Wait for the server to notice every close.
	var st map[string]float64
	settleStart := time.Now()
	for {
		st, err = sc.stats()
		if err != nil {
			return err
		}
		if st["sockets"] <= base["sockets"] || time.Since(settleStart) > o.timeout {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	settle := time.Since(settleStart)
	rate := float64(cycles.Load()) / elapsed.Seconds()
	r.Metrics["cycles_per_s"] = rate
	r.Metrics["cycles"] = float64(cycles.Load())
	r.Metrics["sockets_leftover"] = st["sockets"] - base["sockets"]
	r.Metrics["settle_ms"] = ms(settle)
	r.Metrics["rss_before"] = base["rss"]
	r.Metrics["rss_after"] = st["rss"]
	r.Metrics["rss_growth"] = st["rss"] - base["rss"]
	for k, v := range st {
		if k == "rss" || k == "sockets" {
			continue
		}
		if b, ok := base[k]; ok {
			r.Metrics[k+"_growth"] = v - b
		}
	}
	return r.emit(o, fmt.Sprintf("%s connect+disconnect cycles (%d); sockets %+d vs baseline after %.0fms; rss %s -> %s",
		fmtRate(rate), cycles.Load(), int(st["sockets"]-base["sockets"]), ms(settle), fmtBytes(base["rss"]), fmtBytes(st["rss"])))
}
