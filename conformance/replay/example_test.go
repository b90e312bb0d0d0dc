package replay_test

import (
	"context"
	"fmt"
	"log"

	"github.com/fastsio/fastsio/conformance/replay"
)

// Replaying one recording against a server started with the recording's
// server environment, and printing the report.
func Example() {
	c, err := replay.LoadCase("../testdata/engineio/polling.jsonl")
	if err != nil {
		log.Fatal(err)
	}
	if c.Skip != "" {
		fmt.Println("skipped:", c.Skip)
		return
	}
	p, err := replay.StartProcess(context.Background(), []string{"node", "../../tools/node/ref/eio-echo.js"}, c.EnvList())
	if err != nil {
		log.Fatal(err)
	}
	defer p.Stop()
	rep, err := replay.ReplayCase(context.Background(), c, p.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Summary())
	fmt.Print(rep.Details())
}
