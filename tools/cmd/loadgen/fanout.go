package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fastsio/fastsio/tools/internal/sioclient"
)

// fanoutEvent is the event name the server is asked to broadcast.
const fanoutEvent = "fx"

// runFanout: -n sockets connect (one reader goroutine each, counting
// deliveries of the event without parsing JSON); the first socket then
// emits `fanout`, messages, "fx", payload once; the server sends
// "fx"(payload) to every socket of the namespace (the driver included)
// -messages times. Reported: deliveries/s = N*messages / time to the last
// delivery, measured from just before the emit.
func runFanout(ctx context.Context, o *options) error {
	n := o.ns[0]
	d, err := o.dialer()
	if err != nil {
		return err
	}
	prefix := sioclient.EventPrefix(o.nsp, fanoutEvent)
	payload := payloadString(o.payload)
	wantLen := len(prefix) + len(`,"`) + len(payload) + len(`"]`)
	var (
		remaining atomic.Int64 // sockets still waiting for their last message
		delivered atomic.Int64
		bad       atomic.Int64
		last      atomic.Int64 // unix ns of the latest socket completion
		first     atomic.Int64 // unix ns of the earliest delivery
		done      = make(chan struct{})
		doneOnce  sync.Once
		readers   sync.WaitGroup
		mu        sync.Mutex
		conns     = make([]*sioclient.WSConn, 0, n)
	)
	remaining.Store(int64(n))
	want := int64(o.messages)
	reader := func(w *sioclient.WSConn) {
		defer readers.Done()
		var got int64
		for {
			pkt, err := w.Read()
			if err != nil {
				return // closed at the end of the run (or by the server)
			}
			if !sioclient.IsEvent(pkt, prefix) {
				continue
			}
			if len(pkt) != wantLen {
				bad.Add(1)
			}
			got++
			if got == 1 {
				now := time.Now().UnixNano()
				for {
					f := first.Load()
					if f != 0 && f <= now || first.CompareAndSwap(f, now) {
						break
					}
				}
			}
			if got == want {
				delivered.Add(got)
				now := time.Now().UnixNano()
				for {
					l := last.Load()
					if l >= now || last.CompareAndSwap(l, now) {
						break
					}
				}
				if remaining.Add(-1) == 0 {
					doneOnce.Do(func() { close(done) })
				}
			} else if got > want {
				bad.Add(1)
			}
		}
	}
	connStart := time.Now()
	failed, err := dialMany(ctx, d, n, o.concurrency, func(_ int, w *sioclient.WSConn) {
		mu.Lock()
		conns = append(conns, w)
		mu.Unlock()
		readers.Add(1)
		go reader(w)
	})
	connTime := time.Since(connStart)
	defer func() {
		closeAll(conns)
		readers.Wait()
	}()
	if failed > 0 {
		return fmt.Errorf("%d of %d sockets failed to connect: %w", failed, n, err)
	}
	if err != nil {
		return err
	}
	hb := sioclient.NewHeartbeat(conns[0].Open.PingInterval)
	defer hb.Close()
	for _, w := range conns {
		hb.Add(w)
	}
	// Let the server finish registering the last sockets (a CONNECT ack
	// can precede the socket's entry in the namespace by a tick).
	time.Sleep(200 * time.Millisecond)

	emit := sioclient.AppendEvent(nil, o.nsp, false, 0,
		[]byte(fmt.Sprintf(`["fanout",%d,%q,"%s"]`, o.messages, fanoutEvent, payload)))
	cpu := startCPU(o.serverPID)
	t0 := time.Now()
	if err := conns[0].Write(emit); err != nil {
		return fmt.Errorf("emitting fanout: %w", err)
	}
	r := newResult(o, "fanout", fmt.Sprintf("n=%d messages=%d payload=%dB", n, o.messages, o.payload))
	timer := time.NewTimer(o.timeout)
	defer timer.Stop()
	complete := true
	select {
	case <-done:
	case <-timer.C:
		complete = false
	case <-ctx.Done():
		return ctx.Err()
	}
	cpu.stop(r)
	total := delivered.Load()
	if !complete {
		// Count partial deliveries: completed sockets only are in
		// delivered; say how many sockets were still waiting.
		r.note("timeout after %s: %d of %d sockets incomplete", o.timeout, remaining.Load(), n)
		r.Errors += remaining.Load()
	}
	lastAt := time.Duration(last.Load() - t0.UnixNano())
	if last.Load() == 0 {
		lastAt = time.Since(t0)
	}
	firstAt := time.Duration(first.Load() - t0.UnixNano())
	r.Errors += bad.Load()
	if bad.Load() > 0 {
		r.note("%d deliveries with unexpected length or count", bad.Load())
	}
	rate := float64(total) / lastAt.Seconds()
	r.Metrics["deliveries_per_s"] = rate
	r.Metrics["last_delivery_ms"] = ms(lastAt)
	r.Metrics["first_delivery_ms"] = ms(firstAt)
	r.Metrics["deliveries"] = float64(total)
	r.Metrics["connect_s"] = connTime.Seconds()
	return r.emit(o, fmt.Sprintf("%s deliveries (%d in %.1fms, first after %.1fms)",
		fmtRate(rate), total, ms(lastAt), ms(firstAt)))
}
