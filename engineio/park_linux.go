package engineio

import (
	"syscall"
	"unsafe"
)

// canPark says idle WebSockets can give up their reader goroutine here
// (internal/netpoll has an epoll poller).
const canPark = true

// peekFD asks, without blocking or consuming, whether the socket fd has a
// byte to read: 0 if it has (or EOF), EAGAIN if not, another errno on error.
func peekFD(fd uintptr) syscall.Errno {
	var b [1]byte
	_, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1, syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	return errno
}
