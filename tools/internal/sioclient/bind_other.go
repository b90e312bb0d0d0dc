//go:build !linux

package sioclient

import "syscall"

func bindNoPort(network, address string, c syscall.RawConn) error { return nil }
