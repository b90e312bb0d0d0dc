package engineio

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Transport names as they appear in the transport query parameter.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
)

// Options configures a Server. The zero value (and a nil *Options) gives the
// engine.io 1.8.3 defaults; NewServer copies the struct and validates it once.
type Options struct {
	// Path is the URL prefix the server owns. Default "/engine.io"; a
	// trailing "/" is removed and a request is handled when its raw URL
	// starts with Path + "/" (so "/engine.io?EIO=3" is not handled).
	Path string

	// PingInterval is advertised to clients, which ping that often.
	// Default 25s.
	PingInterval time.Duration
	// PingTimeout is advertised to clients. A session that receives no
	// packet for PingInterval+PingTimeout is closed ("ping timeout").
	// Default 60s.
	PingTimeout time.Duration
	// UpgradeTimeout bounds a polling to WebSocket upgrade: if the client
	// has not sent the upgrade packet by then, the new WebSocket is closed
	// and the session stays on polling. Default 10s.
	UpgradeTimeout time.Duration

	// MaxHTTPBufferSize limits a polling POST body (a larger body drops
	// the connection and closes the session) and a WebSocket message
	// (a message of this size or larger closes the session). Default 1e8
	// bytes, as in 1.8.3. Lower it on servers facing the internet.
	MaxHTTPBufferSize int64

	// Transports lists the enabled transports, "polling" and/or
	// "websocket". nil means both.
	Transports []string
	// DisableUpgrades advertises no upgrades in the open packet. As in
	// 1.8.3 an upgrade a client attempts anyway is still accepted.
	DisableUpgrades bool

	// Cookie configures the session cookie set on polling responses; nil
	// means name "io", Path=/, HttpOnly. DisableCookie turns it off.
	Cookie        *CookieOptions
	DisableCookie bool

	// PerMessageDeflate configures WebSocket permessage-deflate; nil means
	// enabled with a 1024-byte threshold.
	PerMessageDeflate *CompressionOptions
	// HTTPCompression configures gzip/deflate of polling GET responses; nil
	// means enabled with a 1024-byte threshold.
	HTTPCompression *CompressionOptions

	// AllowRequest, if set, is called for every handshake (HTTP or direct
	// WebSocket, never for requests carrying a sid). A nil error accepts;
	// a *RequestError rejects with its Code; any other error rejects with
	// code null (HTTP 400 body {"code":null}, as socket.io's origin check).
	// It runs on the request's goroutine and must not keep the *Request
	// beyond the call unless it copies it (it is the one the Socket keeps).
	AllowRequest func(*Request) error

	// GenerateID returns a new session id; it must be unique among live
	// sessions and URL-safe. Default: 15 bytes (12 from crypto/rand, then a
	// 3-byte counter) in URL-safe base64, the shape of 1.8.3 ids.
	GenerateID func() string

	// Logger receives debug and error logs; nil means slog.Default().
	Logger *slog.Logger

	// MaxSendQueue bounds the bytes of packet data queued for one socket
	// and not yet handed to the network (0 = unbounded, as 1.8.3). A Send
	// that would exceed it returns ErrQueueFull and closes the socket with
	// reason "send queue overflow"; so does a ping from the client whose
	// pong would exceed it (a client that pings but never reads).
	// Extension; invisible on the wire until it triggers.
	MaxSendQueue int
}

// CookieOptions configures the session cookie (engine.io options cookie,
// cookiePath, cookieHttpOnly). The zero value is 1.8.3's default.
type CookieOptions struct {
	Name       string // default "io"
	Path       string // default "/"
	NoPath     bool   // omit Path (cookiePath:false); HttpOnly is then omitted too, as in 1.8.3
	NoHTTPOnly bool   // omit HttpOnly (cookieHttpOnly:false)
}

// CompressionOptions configures permessage-deflate or HTTP compression. When
// given (non-nil) Threshold is taken literally: 0 compresses everything.
type CompressionOptions struct {
	Disable   bool // turn compression off
	Threshold int  // payloads (HTTP) or messages (WebSocket) smaller than this are not compressed
	Level     int  // compression level 1..9; 0 = default (6 for HTTP, 1 for WebSocket)
}

const (
	defaultPath           = "/engine.io"
	defaultPingInterval   = 25 * time.Second
	defaultPingTimeout    = 60 * time.Second
	defaultUpgradeTimeout = 10 * time.Second
	defaultMaxHTTPBuffer  = 100_000_000
	defaultThreshold      = 1024
	// pollCloseTimeout is how long an orderly polling close waits for the
	// next GET to carry the close packet (1.8.3 closeTimeout).
	pollCloseTimeout = 30 * time.Second
	// noopInterval is the period of the upgrade check that answers a parked
	// GET with a noop so the client can finish the upgrade.
	noopInterval = 100 * time.Millisecond
)

// config is the validated, defaulted form of Options.
type config struct {
	path           string // without trailing slash
	prefix         string // path + "/"
	pingInterval   time.Duration
	pingTimeout    time.Duration
	upgradeTimeout time.Duration
	maxBuffer      int64
	polling        bool
	websocket      bool
	allowUpgrades  bool
	cookie         string // "" = no cookie; else "name=" prefix
	cookieSuffix   string // "; Path=/; HttpOnly"
	pmd            bool
	pmdThreshold   int
	pmdLevel       int
	httpComp       bool
	httpThreshold  int
	httpLevel      int
	allowRequest   func(*Request) error
	generateID     func() string
	log            *slog.Logger
	maxSendQueue   int
	closeTimeout   time.Duration
	park           bool // idle WebSockets of Serve/ConfigureServer give up their reader goroutine
}

var errOptions = errors.New("engineio: invalid options")

func (o *Options) resolve() (config, error) {
	var opts Options
	if o != nil {
		opts = *o
	}
	c := config{closeTimeout: pollCloseTimeout, park: true}
	bad := func(field string, v any, why string) (config, error) {
		return config{}, fmt.Errorf("%w: %s = %v: %s", errOptions, field, v, why)
	}

	c.path = opts.Path
	if c.path == "" {
		c.path = defaultPath
	}
	if !strings.HasPrefix(c.path, "/") {
		return bad("Path", opts.Path, `must start with "/"`)
	}
	if strings.ContainsAny(c.path, "?#") {
		return bad("Path", opts.Path, "must not contain a query or fragment")
	}
	c.path = strings.TrimSuffix(c.path, "/")
	c.prefix = c.path + "/"

	durs := []struct {
		name string
		v    time.Duration
		def  time.Duration
		dst  *time.Duration
	}{
		{"PingInterval", opts.PingInterval, defaultPingInterval, &c.pingInterval},
		{"PingTimeout", opts.PingTimeout, defaultPingTimeout, &c.pingTimeout},
		{"UpgradeTimeout", opts.UpgradeTimeout, defaultUpgradeTimeout, &c.upgradeTimeout},
	}
	for _, d := range durs {
		switch {
		case d.v < 0:
			return bad(d.name, d.v, "must not be negative")
		case d.v == 0:
			*d.dst = d.def
		case d.v%time.Millisecond != 0 && d.name != "UpgradeTimeout":
			// The open packet advertises whole milliseconds.
			return bad(d.name, d.v, "must be a whole number of milliseconds")
		default:
			*d.dst = d.v
		}
	}

	switch {
	case opts.MaxHTTPBufferSize < 0:
		return bad("MaxHTTPBufferSize", opts.MaxHTTPBufferSize, "must not be negative")
	case opts.MaxHTTPBufferSize == 0:
		c.maxBuffer = defaultMaxHTTPBuffer
	default:
		c.maxBuffer = opts.MaxHTTPBufferSize
	}

	if opts.Transports == nil {
		c.polling, c.websocket = true, true
	} else {
		if len(opts.Transports) == 0 {
			return bad("Transports", opts.Transports, "no transport enabled")
		}
		for _, t := range opts.Transports {
			switch t {
			case TransportPolling:
				c.polling = true
			case TransportWebSocket:
				c.websocket = true
			default:
				return bad("Transports", opts.Transports, fmt.Sprintf("unknown transport %q", t))
			}
		}
	}
	c.allowUpgrades = !opts.DisableUpgrades

	if !opts.DisableCookie {
		co := CookieOptions{}
		if opts.Cookie != nil {
			co = *opts.Cookie
		}
		if co.Name == "" {
			co.Name = "io"
		}
		if strings.ContainsAny(co.Name, "=;, \t\r\n") {
			return bad("Cookie.Name", co.Name, "not a valid cookie name")
		}
		if co.Path == "" {
			co.Path = "/"
		}
		if strings.ContainsAny(co.Path, ";\r\n") {
			return bad("Cookie.Path", co.Path, "not a valid cookie path")
		}
		c.cookie = co.Name + "="
		if !co.NoPath {
			c.cookieSuffix = "; Path=" + co.Path
			if !co.NoHTTPOnly {
				c.cookieSuffix += "; HttpOnly"
			}
		}
	}

	comp := func(name string, co *CompressionOptions, defLevel int) (on bool, threshold, level int, err error) {
		if co == nil {
			return true, defaultThreshold, defLevel, nil
		}
		if co.Disable {
			return false, 0, 0, nil
		}
		if co.Threshold < 0 {
			_, err = bad(name+".Threshold", co.Threshold, "must not be negative")
			return
		}
		if co.Level < 0 || co.Level > 9 {
			_, err = bad(name+".Level", co.Level, "must be 0..9")
			return
		}
		level = co.Level
		if level == 0 {
			level = defLevel
		}
		return true, co.Threshold, level, nil
	}
	var err error
	if c.pmd, c.pmdThreshold, c.pmdLevel, err = comp("PerMessageDeflate", opts.PerMessageDeflate, 1); err != nil {
		return config{}, err
	}
	if c.httpComp, c.httpThreshold, c.httpLevel, err = comp("HTTPCompression", opts.HTTPCompression, 6); err != nil {
		return config{}, err
	}

	c.allowRequest = opts.AllowRequest
	c.generateID = opts.GenerateID
	if c.generateID == nil {
		c.generateID = newIDGenerator()
	}
	c.log = opts.Logger
	if c.log == nil {
		c.log = slog.Default()
	}
	if opts.MaxSendQueue < 0 {
		return bad("MaxSendQueue", opts.MaxSendQueue, "must not be negative")
	}
	c.maxSendQueue = opts.MaxSendQueue
	return c, nil
}
