// Package socketlayer replays the socket.io recordings
// (conformance/testdata/socketio, made against socket.io 1.7.3 running the
// contract test app) against fastsio's test app (tools/cmd/testapp, built
// and started as a process, one per recording) and against the Node
// reference app itself (the replay engine's self-test). It contains only
// tests.
package socketlayer
