package sid

import (
	"strings"
	"testing"
)

// covers: SUP-30
func TestCounterSuffix(t *testing.T) {
	var g Generator
	a, b := g.New(), g.New()
	if len(a) != 20 || len(b) != 20 {
		t.Fatalf("lengths %d %d, want 20", len(a), len(b))
	}
	if !strings.HasSuffix(a, "AAAA") || !strings.HasSuffix(b, "AAAB") {
		t.Fatalf("ids %q %q do not end in the counter AAAA, AAAB", a, b)
	}
	if a[:16] == b[:16] {
		t.Fatalf("random parts equal: %q %q", a, b)
	}
	for _, id := range []string{a, b} {
		if strings.ContainsAny(id, "+/=") {
			t.Fatalf("id %q is not URL-safe", id)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	var g Generator
	for b.Loop() {
		_ = g.New()
	}
}
