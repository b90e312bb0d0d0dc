package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/fastsio/fastsio/engineio/packet"
	"github.com/fastsio/fastsio/socketio"
)

var hc = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

type poller struct {
	t   *testing.T
	url string
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

func dial(t *testing.T, base string) *poller {
	body := get(t, base+"/socket.io/?EIO=3&transport=polling&b64=1")
	var open struct{ Sid string }
	_ = packet.DecodeStringPayload(body, func(p packet.Packet) error { return json.Unmarshal(p.Data, &open) })
	return &poller{t: t, url: base + "/socket.io/?EIO=3&transport=polling&b64=1&sid=" + open.Sid}
}

// recv polls until a packet containing want arrives.
func (p *poller) recv(want string) string {
	p.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var found string
		_ = packet.DecodeStringPayload(get(p.t, p.url), func(pk packet.Packet) error {
			if s := string(pk.Data); found == "" && strings.Contains(s, want) {
				found = s
			}
			return nil
		})
		if found != "" {
			return found
		}
	}
	p.t.Fatalf("no packet containing %q", want)
	return ""
}

func (p *poller) send(msg string) {
	p.t.Helper()
	body := packet.AppendStringPayload(nil, []packet.Packet{{Type: packet.Message, Data: []byte(msg)}})
	resp, err := hc.Post(p.url, "text/plain;charset=UTF-8", strings.NewReader(string(body)))
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
}

func TestChat(t *testing.T) {
	page := fstest.MapFS{"index.html": {Data: []byte("<html>")}}
	srv, err := socketio.NewServer(&socketio.Options{
		ClientFS: fstest.MapFS{"socket.io.min.js": {Data: []byte("client")}},
		Fallback: pageHandler(page),
	})
	if err != nil {
		t.Fatal(err)
	}
	newChat(srv, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	}()
	base := "http://" + ln.Addr().String()
	if b := get(t, base+"/"); string(b) != "<html>" {
		t.Fatalf("page %q", b)
	}
	a, b := dial(t, base), dial(t, base)
	a.recv("online")
	b.recv("online")
	a.send(`21["login",{"nick":"ann","room":"x"}]`)
	if got := a.recv(`31[`); !strings.Contains(got, `"nick":"ann","room":"x","history":[]`) {
		t.Fatalf("login reply %s", got)
	}
	b.send(`21["login",{"nick":"bob","room":"x"}]`)
	a.recv(`"joined"`)
	b.send(`2["say","hello"]`)
	if got := a.recv(`"message"`); !strings.Contains(got, `"kind":"text","nick":"bob","room":"x","text":"hello"`) {
		t.Fatalf("message %s", got)
	}
	b.send(`51-["file",{"name":"f.bin","type":"","data":{"_placeholder":true,"num":0}}]`)
	bin := packet.AppendStringPayload(nil, []packet.Packet{{Type: packet.Message, Data: []byte{1, 2, 3}, Binary: true}})
	resp, err := hc.Post(b.url, "text/plain;charset=UTF-8", strings.NewReader(string(bin)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := a.recv(`"file"`); !strings.Contains(got, `"data":{"_placeholder":true,"num":0}`) {
		t.Fatalf("file message %s", got)
	}
}
