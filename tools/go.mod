module github.com/fastsio/fastsio/tools

go 1.26.8
