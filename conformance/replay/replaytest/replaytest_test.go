package replaytest

import (
	"strings"
	"testing"
)

func TestLeakedFindsNewGoroutines(t *testing.T) {
	before := map[string]bool{}
	for _, g := range leaked(nil) {
		before[goroutineID(g)] = true
	}
	stop := make(chan struct{})
	started := make(chan struct{})
	go func() {
		close(started)
		<-stop
	}()
	<-started
	left := leaked(before)
	found := false
	for _, g := range left {
		found = found || strings.Contains(g, "TestLeakedFindsNewGoroutines")
	}
	if !found {
		t.Errorf("leaked() missed a blocked goroutine; got %d stacks", len(left))
	}
	close(stop)
}

func TestCases(t *testing.T) {
	cs := Cases(t, "engineio")
	for _, c := range cs {
		if c.Rec.Meta.Layer != "engineio" {
			t.Errorf("%s: layer %s", c.Rec.File, c.Rec.Meta.Layer)
		}
	}
}
