package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fastsio/fastsio/tools/internal/sioclient"
)

// runConnect opens websocket sessions in increasing steps (-n 1000,5000,...)
// and, at each step, samples the server's stats to get RSS (and any other
// numeric stats field, e.g. heap) per idle connection: (value at step -
// value before the first dial) / connections. Connections stay idle apart
// from the heartbeat (one goroutine pings them all every pingInterval); no
// goroutine reads them, so the server's pongs wait in the kernel buffer.
func runConnect(ctx context.Context, o *options) error {
	d, err := o.dialer()
	if err != nil {
		return err
	}
	sc, base, err := openControl(ctx, d)
	if err != nil {
		return err
	}
	defer sc.w.Abort()
	hb := sioclient.NewHeartbeat(sc.w.Open.PingInterval)
	defer hb.Close()
	hb.Add(sc.w)

	r := newResult(o, "connect", "steps="+ints(o.ns))
	var holder connectHolder
	if o.procs > 1 {
		ph, err := startChildren(o)
		if err != nil {
			return fmt.Errorf("starting %d child processes: %w", o.procs, err)
		}
		holder = ph
		r.note("connections held by %d child processes", o.procs)
	} else {
		holder = &localHolder{d: d, hb: hb, conc: o.concurrency}
	}
	defer holder.close()
	var dialTime time.Duration
	var human []string
	have := 0
	cpu := startCPU(o.serverPID)
	for _, n := range o.ns {
		failed, took, err := holder.dial(ctx, n-have)
		dialTime += took
		r.Errors += failed
		if failed > 0 {
			r.note("%d dials failed at step %d: %v", failed, n, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		have = holder.count()
		if have == 0 {
			return fmt.Errorf("no connection could be opened: %v", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(o.settle):
		}
		st, err := sc.stats()
		if err != nil {
			return err
		}
		suffix := "@" + strconv.Itoa(n)
		if int(st["sockets"]-base["sockets"]) != have {
			r.note("server counts %d sockets at step %d, generator holds %d", int(st["sockets"]-base["sockets"]), n, have)
		}
		r.Metrics["sockets"+suffix] = st["sockets"] - base["sockets"]
		keys := make([]string, 0, len(st))
		for k := range st {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "sockets" {
				continue
			}
			if b, ok := base[k]; ok {
				r.Metrics[k+"_per_conn"+suffix] = (st[k] - b) / float64(have)
			}
			r.Metrics[k+suffix] = st[k]
		}
		human = append(human, fmt.Sprintf("%d conns: rss %s/conn", have, fmtBytes(r.Metrics["rss_per_conn"+suffix])))
		if v, ok := r.Metrics["heap_per_conn"+suffix]; ok {
			human[len(human)-1] += fmt.Sprintf(" heap %s/conn", fmtBytes(v))
		}
	}
	cpu.stop(r)
	rate := float64(have) / dialTime.Seconds()
	r.Metrics["connects_per_s"] = rate
	r.Metrics["rss_base"] = base["rss"]

	if o.hold > 0 {
		st0, err := sc.stats()
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(o.hold):
		}
		st1, err := sc.stats()
		if err != nil {
			return err
		}
		r.Metrics["hold_s"] = o.hold.Seconds()
		r.Metrics["hold_rss_growth"] = st1["rss"] - st0["rss"]
		r.Metrics["hold_sockets_lost"] = st0["sockets"] - st1["sockets"]
		human = append(human, fmt.Sprintf("held %s: rss %+.0f KiB, sockets lost %d", o.hold,
			(st1["rss"]-st0["rss"])/1024, int(st0["sockets"]-st1["sockets"])))
	}
	r.Metrics["heartbeat_errors"] = float64(hb.Errors.Load())
	return r.emit(o, fmt.Sprintf("%s connects (%d conns in %.2fs); %s", fmtRate(rate), have, dialTime.Seconds(), strings.Join(human, "; ")))
}

// closeAll closes connections in parallel, without waiting for the server.
func closeAll(conns []*sioclient.WSConn) {
	var wg sync.WaitGroup
	const workers = 16
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < len(conns); i += workers {
				conns[i].Abort()
			}
		}()
	}
	wg.Wait()
}
