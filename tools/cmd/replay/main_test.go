package main

import "testing"

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},                                   // neither -url nor -cmd
		{"-url", "http://x", "-cmd", "node"}, // both
		{"-url", "http://x", "-layer", "redis"},
		{"-url", "http://x", "-dir", t.TempDir()}, // no recordings there
		{"-bogus"},
	} {
		if got := run(args); got != 2 {
			t.Errorf("run(%q) = %d, want 2", args, got)
		}
	}
}

func TestMissingFileFails(t *testing.T) {
	if got := run([]string{"-url", "http://127.0.0.1:1", "/nonexistent/x.jsonl"}); got != 1 {
		t.Errorf("run with a missing file = %d, want 1", got)
	}
}
