// Package parserlayer holds the parser-layer replay tests: every engine.io
// payload and packet and every socket.io packet of the committed recordings
// (conformance/testdata) and of the hand-written fixtures
// (conformance/recording/testdata) must decode and re-encode byte for byte
// with this repository's codecs. The package has no non-test code.
package parserlayer
