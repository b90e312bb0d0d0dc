package sioclient

import "syscall"

// ipBindAddressNoPort is IP_BIND_ADDRESS_NO_PORT (linux/in.h); the syscall
// package does not export it.
const ipBindAddressNoPort = 24

// bindNoPort defers the choice of the local port to connect(), so a bound
// source address can reuse a port towards different destinations and the
// per-address port range is not exhausted by bind() alone.
func bindNoPort(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
	})
	if err != nil {
		return err
	}
	// Older kernels lack the option; binding still works, just with fewer ports.
	_ = serr
	return nil
}
