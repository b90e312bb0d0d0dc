module github.com/fastsio/fastsio/conformance

go 1.26.8
