//go:build !linux

package netpoll

import "syscall"

// Poller is unavailable on this platform.
type Poller struct{}

// Handle is unavailable on this platform.
type Handle struct{}

// New returns ErrUnsupported.
func New() (*Poller, error) { return nil, ErrUnsupported }

// Register returns ErrUnsupported.
func (p *Poller) Register(syscall.RawConn, func()) (*Handle, error) { return nil, ErrUnsupported }

// Arm returns ErrUnsupported.
func (h *Handle) Arm() error { return ErrUnsupported }

// Close does nothing.
func (h *Handle) Close() {}

// Len returns 0.
func (p *Poller) Len() int { return 0 }

// Close does nothing.
func (p *Poller) Close() {}
