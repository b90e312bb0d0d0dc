package engineio

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOptionsValidation(t *testing.T) {
	bad := []struct {
		name string
		opts Options
		want string
	}{
		{"negative ping", Options{PingInterval: -1}, "PingInterval"},
		{"sub-millisecond ping", Options{PingTimeout: time.Microsecond}, "PingTimeout"},
		{"negative buffer", Options{MaxHTTPBufferSize: -1}, "MaxHTTPBufferSize"},
		{"no transports", Options{Transports: []string{}}, "Transports"},
		{"unknown transport", Options{Transports: []string{"flashsocket"}}, "flashsocket"},
		{"relative path", Options{Path: "engine.io"}, "Path"},
		{"path with query", Options{Path: "/x?y"}, "Path"},
		{"cookie name", Options{Cookie: &CookieOptions{Name: "a;b"}}, "Cookie.Name"},
		{"threshold", Options{HTTPCompression: &CompressionOptions{Threshold: -1}}, "HTTPCompression.Threshold"},
		{"level", Options{PerMessageDeflate: &CompressionOptions{Level: 10}}, "PerMessageDeflate.Level"},
		{"queue", Options{MaxSendQueue: -1}, "MaxSendQueue"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewServer(&tt.opts)
			if err == nil || !errors.Is(err, errOptions) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "engineio: ") {
				t.Errorf("err = %v, want an engineio options error naming %s", err, tt.want)
			}
		})
	}
	t.Run("defaults", func(t *testing.T) {
		for _, o := range []*Options{nil, {}} {
			s, err := NewServer(o)
			if err != nil {
				t.Fatal(err)
			}
			c := s.cfg
			if c.prefix != "/engine.io/" || c.pingInterval != 25*time.Second || c.pingTimeout != 60*time.Second ||
				c.upgradeTimeout != 10*time.Second || c.maxBuffer != 1e8 || !c.polling || !c.websocket || !c.allowUpgrades ||
				c.cookie != "io=" || c.cookieSuffix != "; Path=/; HttpOnly" || !c.pmd || c.pmdThreshold != 1024 ||
				!c.httpComp || c.httpThreshold != 1024 || c.maxSendQueue != 0 {
				t.Errorf("defaults %+v", c)
			}
		}
	})
	t.Run("trailing slash", func(t *testing.T) {
		s, err := NewServer(&Options{Path: "/socket.io/"})
		if err != nil || s.cfg.prefix != "/socket.io/" {
			t.Errorf("%v %q", err, s.cfg.prefix)
		}
	})
}
