module github.com/fastsio/fastsio/socketio-parser

go 1.26.8
