module github.com/fastsio/fastsio/conformance

go 1.26.8

require (
	github.com/fastsio/fastsio/engineio v0.0.0-00010101000000-000000000000
	github.com/fastsio/fastsio/socketio-parser v0.0.0-00010101000000-000000000000
	github.com/google/go-cmp v0.7.0
)
