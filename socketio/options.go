package socketio

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/fastsio/fastsio/engineio"
	"github.com/valyala/fasthttp"
)

// Options configures a Server. The zero value means socket.io 1.7.3's
// defaults, except that the browser client is only served when ClientFS is
// set (fastsio never bundles it). NewServer copies the struct; changing it
// afterwards has no effect.
type Options struct {
	// Path is where the engine.io endpoint and the client file live.
	// Default "/socket.io"; a trailing "/" is removed.
	Path string

	// Adapter builds the room adapter of every namespace. Default
	// NewMemoryAdapter.
	Adapter AdapterFactory

	// Origins is 1.7.3's string form of the `origins` option, checked on
	// every handshake: "" means "*:*" (everything allowed). A string is
	// matched by SUBSTRING like 1.7.3 ("http://foo.example:*" allows
	// "https://foo.example" and even "http://oo.example": the scheme is
	// ignored); a request without Origin and Referer counts as origin "*"
	// and is only allowed by "*:*". Prefer OriginList or CheckOrigin.
	Origins string
	// OriginList is 1.7.3's array form: exact "host:port", "host:*",
	// "*:port" or "*:*" elements. Takes precedence over Origins when non-nil.
	OriginList []string
	// CheckOrigin is 1.7.3's function form; it gets the Origin (or Referer)
	// header, or "*" when there is none. Takes precedence over both above.
	CheckOrigin func(origin string) bool
	// AllowRequest, when set, replaces the origin check completely (1.7.3
	// `allowRequest`). A non-nil error rejects the handshake.
	AllowRequest func(*engineio.Request) error

	// ClientFS, when non-nil, serves the socket.io browser client from it
	// at <Path>/socket.io.js (and the source map at
	// <Path>/socket.io.js.map) with 1.7.3's prefix matching and ETag
	// "1.7.3". Point it at socket.io-client 1.7.3's dist directory
	// (os.DirFS). nil: those URLs fall through to engine.io (400
	// "Transport unknown"), like serveClient:false.
	ClientFS fs.FS
	// ClientFile and ClientMapFile name the files inside ClientFS.
	// Defaults "socket.io.min.js" (what 1.7.3 serves) and
	// "socket.io.js.map"; a missing map file disables that route.
	ClientFile, ClientMapFile string

	// Fallback handles HTTP requests outside Path (like attaching 1.7.3 to
	// an existing http.Server whose other routes keep working). nil:
	// engine.io answers them (404).
	Fallback fasthttp.RequestHandler

	// Engine is passed to engineio.NewServer; its Path and AllowRequest are
	// overwritten from Path and the origin check above.
	Engine engineio.Options

	// MaxPendingPackets bounds the packets of one client waiting for its
	// handlers (default 1024). When full, reading from that client pauses
	// until the handlers catch up.
	MaxPendingPackets int

	// InlineHandlers (opt-in extension, default off) runs an event that
	// arrives on a WebSocket while the client's queue is empty on the
	// engine's reader goroutine instead of the client's worker: no
	// goroutine start per event, a little less latency. The cost: while
	// such a handler runs, its session reads nothing, heartbeats included,
	// so a handler that blocks longer than the client's pingTimeout loses
	// the connection. Leave it off unless handlers are short.
	InlineHandlers bool

	// Logger receives debug/warn logs; default slog.Default().
	Logger *slog.Logger
}

const (
	defaultPath       = "/socket.io"
	defaultMaxPending = 1024
	clientVersion     = "1.7.3"
)

func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Path == "" {
		c.Path = defaultPath
	}
	c.Path = strings.TrimRight(c.Path, "/")
	if c.Path != "" && c.Path[0] != '/' {
		return c, fmt.Errorf("socketio: Options.Path %q must start with /", c.Path)
	}
	if c.Adapter == nil {
		c.Adapter = NewMemoryAdapter
	}
	if c.MaxPendingPackets == 0 {
		c.MaxPendingPackets = defaultMaxPending
	}
	if c.MaxPendingPackets < 0 {
		return c, errors.New("socketio: Options.MaxPendingPackets must not be negative")
	}
	if c.ClientFile == "" {
		c.ClientFile = "socket.io.min.js"
	}
	if c.ClientMapFile == "" {
		c.ClientMapFile = "socket.io.js.map"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
