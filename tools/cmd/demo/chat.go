package main

import (
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fastsio/fastsio/socketio"
	parser "github.com/fastsio/fastsio/socketio-parser"
)

const (
	historySize = 50
	maxText     = 2000
	maxFile     = 1 << 20
)

// chat is the demo's state: who is where, and each room's recent messages.
type chat struct {
	nsp *socketio.Namespace
	log *slog.Logger

	mu      sync.Mutex
	history map[string][]message
}

type message struct {
	Kind string `json:"kind"` // "text" or "file"
	Nick string `json:"nick"`
	Room string `json:"room"`
	Text string `json:"text,omitempty"`
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
	Data []byte `json:"data,omitempty"` // travels as a binary attachment
	Time int64  `json:"time"`
}

// user is stored on each socket with SetData once it has a nickname.
type user struct {
	mu   sync.Mutex
	nick string
	room string
}

func (u *user) get() (nick, room string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.nick, u.room
}

func newChat(srv *socketio.Server, log *slog.Logger) *chat {
	if log == nil {
		log = slog.Default()
	}
	c := &chat{nsp: srv.Sockets(), log: log, history: map[string][]message{}}
	c.nsp.OnConnection(func(s *socketio.Socket) {
		s.SetData(&user{})
		_ = c.nsp.Emit("online", c.nsp.Len())
		s.OnDisconnect(func(s *socketio.Socket, reason string) {
			if nick, room := s.Data().(*user).get(); nick != "" {
				_ = c.nsp.To(room).Emit("left", parser.Object{{Key: "nick", Value: nick}, {Key: "room", Value: room}})
			}
			_ = c.nsp.Emit("online", c.nsp.Len())
		})
	})

	type login struct {
		Nick string `json:"nick"`
		Room string `json:"room"`
	}
	socketio.OnEvent(c.nsp, "login", func(s *socketio.Socket, in login, ack socketio.AckFunc) {
		nick := clean(in.Nick, 24)
		if nick == "" {
			reply(ack, parser.Object{{Key: "error", Value: "pick a nickname"}})
			return
		}
		u := s.Data().(*user)
		u.mu.Lock()
		u.nick = nick
		u.mu.Unlock()
		reply(ack, c.enter(s, u, in.Room))
	})
	socketio.OnEvent(c.nsp, "join", func(s *socketio.Socket, room string, ack socketio.AckFunc) {
		u := s.Data().(*user)
		if nick, _ := u.get(); nick == "" {
			return
		}
		reply(ack, c.enter(s, u, room))
	})
	socketio.OnEvent(c.nsp, "say", func(s *socketio.Socket, text string, ack socketio.AckFunc) {
		nick, room := s.Data().(*user).get()
		text = strings.TrimSpace(text)
		if nick == "" || text == "" || len(text) > maxText || !utf8.ValidString(text) {
			return
		}
		m := message{Kind: "text", Nick: nick, Room: room, Text: text, Time: time.Now().UnixMilli()}
		c.post(m)
		reply(ack, m.Time)
	})
	type file struct {
		Name string `json:"name"`
		Type string `json:"type"`
		Data []byte `json:"data"`
	}
	socketio.OnEvent(c.nsp, "file", func(s *socketio.Socket, f file, ack socketio.AckFunc) {
		nick, room := s.Data().(*user).get()
		if nick == "" || len(f.Data) == 0 || len(f.Data) > maxFile {
			reply(ack, parser.Object{{Key: "error", Value: "files up to 1 MB"}})
			return
		}
		m := message{Kind: "file", Nick: nick, Room: room, Name: clean(f.Name, 100), Type: clean(f.Type, 100), Data: f.Data, Time: time.Now().UnixMilli()}
		c.post(m)
		reply(ack, m.Time)
	})
	socketio.OnEvent(c.nsp, "typing", func(s *socketio.Socket, _ bool, _ socketio.AckFunc) {
		if nick, room := s.Data().(*user).get(); nick != "" {
			// volatile: nobody minds a lost "is typing"
			_ = s.To(room).Volatile().Emit("typing", nick)
		}
	})
	return c
}

func reply(ack socketio.AckFunc, v any) {
	if ack != nil {
		_ = ack(v)
	}
}

func clean(s string, n int) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}

// enter moves the user to room and returns what the client shows.
func (c *chat) enter(s *socketio.Socket, u *user, room string) parser.Object {
	room = clean(room, 32)
	if room == "" {
		room = "lobby"
	}
	u.mu.Lock()
	nick, old := u.nick, u.room
	u.room = room
	u.mu.Unlock()
	if old != "" && old != room {
		_ = s.Leave(old)
		_ = c.nsp.To(old).Emit("left", parser.Object{{Key: "nick", Value: nick}, {Key: "room", Value: old}})
	}
	_ = s.To(room).Emit("joined", parser.Object{{Key: "nick", Value: nick}, {Key: "room", Value: room}})
	_ = s.Join(room)
	c.mu.Lock()
	hist := append([]message{}, c.history[room]...)
	c.mu.Unlock()
	return parser.Object{{Key: "nick", Value: nick}, {Key: "room", Value: room}, {Key: "history", Value: hist}, {Key: "online", Value: c.nsp.Len()}}
}

// post stores m in its room's history and sends it to the room.
func (c *chat) post(m message) {
	c.mu.Lock()
	h := append(c.history[m.Room], m)
	if len(h) > historySize {
		h = h[len(h)-historySize:]
	}
	c.history[m.Room] = h
	c.mu.Unlock()
	if err := c.nsp.To(m.Room).Emit("message", m); err != nil {
		c.log.Warn("demo: broadcast failed", "err", err)
	}
}
