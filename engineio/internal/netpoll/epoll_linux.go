//go:build linux

package netpoll

import (
	"fmt"
	"sync"
	"syscall"
)

// Poller owns one epoll instance and the goroutine that waits on it. The
// goroutine ends when Close is called. Events are looked up by a 64-bit
// registration id, never by file descriptor, so an event for a connection
// that was closed (and whose descriptor number was reused) finds nothing.
type Poller struct {
	epfd int
	wake [2]int // a pipe: one byte written to wake[1] ends the loop

	mu     sync.Mutex // guards regs, next and closed
	regs   map[uint64]*Handle
	next   uint64
	closed bool

	done chan struct{} // closed when the loop has returned
}

// Handle is one connection's registration. Arm and Close may be called from
// any goroutine; Ready runs on the poller's goroutine and must not block.
type Handle struct {
	p     *Poller
	id    uint64
	rc    syscall.RawConn
	ready func()

	mu     sync.Mutex // guards everything below
	added  bool       // the descriptor is in the epoll set
	closed bool
	// Arguments and result of the epoll_ctl call run by ctl inside
	// RawConn.Control: kept here so that arming allocates nothing.
	op   int
	ev   syscall.EpollEvent
	cerr error
	ctl  func(fd uintptr)
}

func (h *Handle) control(fd uintptr) {
	var ev *syscall.EpollEvent
	if h.op != syscall.EPOLL_CTL_DEL {
		ev = &h.ev
	}
	h.cerr = syscall.EpollCtl(h.p.epfd, h.op, int(fd), ev)
}

const wakeID = 0

// New starts a poller.
func New() (*Poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("netpoll: epoll_create1: %w", err)
	}
	p := &Poller{epfd: epfd, regs: map[uint64]*Handle{}, next: wakeID + 1, done: make(chan struct{})}
	if err := syscall.Pipe2(p.wake[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return nil, fmt.Errorf("netpoll: pipe2: %w", err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN}
	setID(&ev, wakeID)
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p.wake[0], &ev); err != nil {
		p.closeFDs()
		return nil, fmt.Errorf("netpoll: epoll_ctl: %w", err)
	}
	go p.loop()
	return p, nil
}

func setID(ev *syscall.EpollEvent, id uint64) {
	ev.Fd = int32(uint32(id))
	ev.Pad = int32(uint32(id >> 32))
}

func eventID(ev *syscall.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

func (p *Poller) closeFDs() {
	syscall.Close(p.wake[0])
	syscall.Close(p.wake[1])
	syscall.Close(p.epfd)
}

func (p *Poller) loop() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 256)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			// Not expected with a valid epoll descriptor; registered
			// connections are woken so that their owners read (and see
			// the error or data) themselves.
			p.mu.Lock()
			for _, h := range p.regs {
				h.ready()
			}
			p.mu.Unlock()
			return
		}
		for i := 0; i < n; i++ {
			id := eventID(&events[i])
			if id == wakeID {
				return
			}
			p.mu.Lock()
			h := p.regs[id]
			p.mu.Unlock()
			if h != nil {
				h.ready()
			}
		}
	}
}

// Register prepares a handle for rc; nothing is watched until Arm. ready is
// called (on the poller goroutine, at most once per Arm) when the
// connection becomes readable or fails.
func (p *Poller) Register(rc syscall.RawConn, ready func()) (*Handle, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	h := &Handle{p: p, id: p.next, rc: rc, ready: ready}
	h.ctl = h.control
	h.ev.Events = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT
	setID(&h.ev, h.id)
	p.next++
	p.regs[h.id] = h
	return h, nil
}

// Arm watches the connection for one readiness event. Level-triggered: bytes
// already waiting fire at once.
func (h *Handle) Arm() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	h.op = syscall.EPOLL_CTL_MOD
	if !h.added {
		h.op = syscall.EPOLL_CTL_ADD
	}
	// Control holds the descriptor open: it cannot be closed and its
	// number reused while epoll_ctl runs.
	err := h.rc.Control(h.ctl)
	if err == nil {
		err = h.cerr
	}
	if err != nil {
		return fmt.Errorf("netpoll: arm: %w", err)
	}
	h.added = true
	return nil
}

// Close stops watching the connection and forgets the handle. The
// connection may already be closed (the kernel then removed it from the
// epoll set itself).
func (h *Handle) Close() {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		if h.added {
			h.op = syscall.EPOLL_CTL_DEL
			_ = h.rc.Control(h.ctl)
		}
	}
	h.mu.Unlock()
	h.p.mu.Lock()
	delete(h.p.regs, h.id)
	h.p.mu.Unlock()
}

// Len returns the number of registered handles.
func (p *Poller) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.regs)
}

// Close stops the poller goroutine and waits for it. Handles still
// registered are never woken again.
func (p *Poller) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.done
		return
	}
	p.closed = true
	p.mu.Unlock()
	for {
		_, err := syscall.Write(p.wake[1], []byte{1})
		if err != syscall.EINTR {
			break
		}
	}
	<-p.done
	p.closeFDs()
}
