module github.com/fastsio/fastsio/socketio

go 1.26.8
