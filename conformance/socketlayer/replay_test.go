package socketlayer

import (
	"os"
	"testing"

	"github.com/fastsio/fastsio/conformance/replay"
	"github.com/fastsio/fastsio/conformance/replay/replaytest"
)

func TestMain(m *testing.M) { os.Exit(replaytest.LeakCheck(m)) }

// covers lists the checklist IDs each recording covers (checked against
// the recordings' meta by TestCoversTable).
var covers = map[string]string{
	"browser-jsonp":          "SUP-24 SUP-26",
	"browser-xhr2-polling":   "SUP-03",
	"browser-xhr2":           "SUP-03",
	"client-disconnect":      "SUP-42",
	"disconnect-me-false":    "SUP-41",
	"disconnect-me-true":     "SUP-41",
	"namespaces":             "SUP-32 SUP-33 SUP-34 SUP-47",
	"polling":                "SUP-31 SUP-49",
	"raw-disconnect-me-true": "SUP-41 SUP-22",
	"raw-edge":               "SUP-33 SUP-38 SUP-43 SUP-44",
	"raw-origins":            "SUP-09 SUP-51",
	"rooms":                  "SUP-48",
	"upgrade":                "SUP-49",
	"websocket":              "SUP-49",
}

func TestCoversTable(t *testing.T) {
	replaytest.CheckCovers(t, replaytest.Cases(t, "socketio"), covers)
}

// TestReplayFastsio replays every socket.io recording against fastsio's
// contract test app (tools/cmd/testapp), started per recording with the
// recording's server_env. Deviations fastsio documents as deliberate are
// accepted (and logged).
//
// covers: SUP-03 SUP-09 SUP-22 SUP-24 SUP-26 SUP-31 SUP-32 SUP-33 SUP-34
// SUP-38 SUP-41 SUP-42 SUP-43 SUP-44 SUP-47 SUP-48 SUP-49 SUP-51
func TestReplayFastsio(t *testing.T) {
	cases := replaytest.Cases(t, "socketio")
	bin := replaytest.BuildTool(t, "testapp")
	opts := replaytest.Options()
	opts.Accept = replay.FastsioDeviations
	replaytest.RunAll(t, cases, replaytest.ProcessServer([]string{bin}), opts)
}

// TestReplayReference is the replay engine's self-test: replaying a
// recording against the reference app it was made with must show no
// mismatch.
func TestReplayReference(t *testing.T) {
	argv := replaytest.NodeRefApp(t, "testapp")
	replaytest.RunAll(t, replaytest.Cases(t, "socketio"), replaytest.ProcessServer(argv), replaytest.Options())
}
