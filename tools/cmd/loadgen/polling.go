package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fastsio/fastsio/tools/internal/sioclient"
)

// runPolling: -clients XHR-polling sessions, each in a closed loop: one POST
// carrying `echo` with an ack id (plus a ping when one is due), then GETs
// until the ACK arrives. A round trip is POST + GET(s).
func runPolling(ctx context.Context, o *options) error {
	p, err := sioclient.NewPoller(sioclient.PollConfig{
		Config: sioclient.Config{URL: o.url, Path: o.path, Namespace: o.nsp, SourceAddrs: o.sourceAddrs},
		B64:    o.b64,
		// Two requests in flight per client at most (a GET may still be
		// parked when the next POST goes out after a timeout).
		MaxConns: 2*o.clients + 4,
	})
	if err != nil {
		return err
	}
	defer p.CloseIdle()
	conns := make([]*sioclient.PollConn, o.clients)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, o.concurrency)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := p.Dial(ctx)
			if err != nil {
				mu.Lock()
				firstErr = errors.Join(firstErr, err)
				mu.Unlock()
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	if firstErr != nil {
		return fmt.Errorf("polling handshake: %w", firstErr)
	}

	payload := payloadString(o.payload)
	args := []byte(`["echo","` + payload + `"]`)
	want := []byte(`["` + payload + `"]`)
	ping := []byte{sioclient.EnginePing}
	start := time.Now()
	measureFrom := start.Add(o.warmup)
	end := measureFrom.Add(o.duration)
	stats := make([]roundTripStats, len(conns))
	var cpu *cpuMeter
	var cpuOnce sync.Once
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs := &stats[i]
			buf := make([]byte, 0, len(args)+32)
			interval := c.Open.PingInterval
			nextPing := time.Now().Add(interval)
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
				buf = sioclient.AppendEvent(buf[:0], o.nsp, true, id, args)
				var err error
				if t0.After(nextPing) {
					nextPing = t0.Add(interval)
					err = c.Post(ping, buf)
				} else {
					err = c.Post(buf)
				}
				if err != nil {
					cs.err = err
					return
				}
				for acked := false; !acked; {
					err := c.Get(func(pkt []byte) error {
						gotID, got, ok := sioclient.ParseAck(pkt, o.nsp)
						if !ok {
							if len(pkt) > 0 && pkt[0] == sioclient.EngineClose {
								return errors.New("server closed the session")
							}
							return nil // pong, noop
						}
						if gotID == id {
							acked = true
							if !bytes.Equal(got, want) {
								cs.errors++
							}
						} else {
							cs.errors++
						}
						return nil
					})
					if err != nil {
						cs.err = err
						return
					}
				}
				if !t0.Before(measureFrom) {
					cs.h.record(time.Since(t0))
					cs.count++
				}
			}
		}()
	}
	wg.Wait()
	mode := "binary payloads"
	if o.b64 {
		mode = "b64 string payloads"
	}
	r := newResult(o, "polling", fmt.Sprintf("clients=%d payload=%dB b64=%v", o.clients, o.payload, o.b64))
	if cpu != nil {
		cpu.stop(r)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	rate := summarizeRoundTrips(r, stats, min(time.Since(measureFrom), o.duration))
	return r.emit(o, fmt.Sprintf("%s round trips over XHR polling (%s), p50 %.3fms p99 %.3fms",
		fmtRate(rate), mode, r.Metrics["p50_ms"], r.Metrics["p99_ms"]))
}
