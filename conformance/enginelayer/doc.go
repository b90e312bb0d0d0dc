// Package enginelayer replays the engine.io recordings
// (conformance/testdata/engineio, made against engine.io 1.8.3 with the
// echo app) against fastsio's engine.io server running the same echo
// application in-process, and against the Node reference itself (the
// replay engine's self-test). It contains only tests.
package enginelayer
