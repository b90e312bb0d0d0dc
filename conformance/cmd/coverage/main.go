// Command coverage prints how many checklist items (shared/spec/checklist.md,
// beside the repository) the repository's tests claim to cover, per layer.
//
//	go run ./cmd/coverage [-v] [-checklist path] [-root dir]
//
// Run it inside the conformance module. -v lists the uncovered IDs and IDs
// claimed by tests that the checklist does not know. A missing checklist is
// reported with a notice and exit status 0, so CI without shared/ passes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"

	"github.com/fastsio/fastsio/conformance/internal/coverage"
)

func main() {
	verbose := flag.Bool("v", false, "list uncovered and unknown IDs")
	checklist := flag.String("checklist", "", "checklist path (default: <root>/../shared/spec/checklist.md or $FASTSIO_CHECKLIST)")
	root := flag.String("root", "", "repository root (default: the directory holding go.work)")
	flag.Parse()
	if err := run(*root, *checklist, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(root, checklist string, verbose bool) error {
	if root == "" {
		r, err := coverage.FindRepoRoot(".")
		if err != nil {
			return err
		}
		root = r
	}
	if checklist == "" {
		checklist = coverage.ChecklistPath(root)
	}
	f, err := os.Open(checklist)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Printf("notice: checklist %s not found (shared/ is not beside the repository); nothing to report\n", checklist)
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	items, err := coverage.ParseChecklist(f)
	if err != nil {
		return err
	}
	claims, err := coverage.ScanTree(root)
	if err != nil {
		return err
	}
	coverage.Compute(items, claims).Write(os.Stdout, verbose)
	return nil
}
