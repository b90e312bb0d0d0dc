//go:build !linux

package engineio

import "syscall"

// canPark is false: without a poller every WebSocket keeps its reader.
const canPark = false

func peekFD(uintptr) syscall.Errno { return 0 }
