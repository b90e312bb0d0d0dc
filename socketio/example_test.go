package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/fastsio/fastsio/engineio/packet"
	"github.com/fastsio/fastsio/socketio"
)

// rawClient is a minimal engine.io polling client used to make the
// examples runnable; real applications use socket.io-client.
type rawClient struct{ url string }

var exampleHTTP = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}

func dial(addr string) *rawClient {
	resp, err := exampleHTTP.Get("http://" + addr + "/socket.io/?EIO=3&transport=polling&b64=1")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sid := strings.SplitN(strings.SplitN(string(body), `"sid":"`, 2)[1], `"`, 2)[0]
	return &rawClient{url: "http://" + addr + "/socket.io/?EIO=3&transport=polling&b64=1&sid=" + sid}
}

// recv prints the socket.io packets of the next poll.
func (c *rawClient) recv() { c.recvN(1) }

// recvN polls until n packets were printed.
func (c *rawClient) recvN(n int) {
	for n > 0 {
		resp, err := exampleHTTP.Get(c.url)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		_ = packet.DecodeStringPayload(body, func(p packet.Packet) error {
			fmt.Printf("S: %d%s\n", p.Type, p.Data)
			n--
			return nil
		})
	}
}

func (c *rawClient) send(msg string) {
	fmt.Println("C: " + msg)
	body := packet.AppendStringPayload(nil, []packet.Packet{{Type: packet.Message, Data: []byte(msg[1:])}})
	resp, err := exampleHTTP.Post(c.url, "text/plain;charset=UTF-8", strings.NewReader(string(body)))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
}

func serve(srv *socketio.Server) (addr string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	}
}

func ExampleServer() {
	srv, err := socketio.NewServer(nil) // socket.io 1.7.3 defaults, path /socket.io
	if err != nil {
		log.Fatal(err)
	}
	chat := srv.Of("/chat")
	chat.On("echo", func(s *socketio.Socket, args socketio.Args, ack socketio.AckFunc) {
		var text string
		if err := args.Decode(0, &text); err != nil {
			return
		}
		if ack != nil {
			_ = ack(text) // the client asked for an acknowledgement
			return
		}
		_ = s.Emit("echo", text)
	})
	addr, stop := serve(srv) // srv.Serve(listener) in a real program
	defer stop()

	c := dial(addr)
	c.recv() // the root namespace is connected automatically
	c.send(`40/chat`)
	c.recv()
	c.send(`42/chat,["echo","héllo"]`)
	c.recv()
	c.send(`42/chat,7["echo","with ack"]`)
	c.recv()
	// Output:
	// S: 40
	// C: 40/chat
	// S: 40/chat
	// C: 42/chat,["echo","héllo"]
	// S: 42/chat,["echo","héllo"]
	// C: 42/chat,7["echo","with ack"]
	// S: 43/chat,7["with ack"]
}

func ExampleNamespace_Use() {
	srv, _ := socketio.NewServer(nil)
	auth := srv.Of("/auth")
	auth.Use(func(s *socketio.Socket) error {
		switch s.Handshake().Query.Get("token") {
		case "secret":
			s.SetData("alice") // visible to handlers later
			return nil
		case "":
			// Data becomes the ERROR packet's payload.
			return &socketio.MiddlewareError{Data: map[string]string{"reason": "no token"}}
		}
		return errors.New("not authorized")
	})
	auth.On("whoami", func(s *socketio.Socket, _ socketio.Args, ack socketio.AckFunc) {
		if ack != nil {
			_ = ack(s.Data())
		}
	})
	addr, stop := serve(srv)
	defer stop()

	c := dial(addr)
	c.recv()
	c.send(`40/auth?token=wrong`)
	c.recv()
	c.send(`40/auth`)
	c.recv()
	c.send(`40/auth?token=secret`)
	c.recv()
	c.send(`42/auth,1["whoami"]`)
	c.recv()
	// Output:
	// S: 40
	// C: 40/auth?token=wrong
	// S: 44/auth,"not authorized"
	// C: 40/auth
	// S: 44/auth,{"reason":"no token"}
	// C: 40/auth?token=secret
	// S: 40/auth
	// C: 42/auth,1["whoami"]
	// S: 43/auth,1["alice"]
}

func ExampleSocket_EmitWithAck() {
	srv, _ := socketio.NewServer(nil)
	done := make(chan string, 1)
	srv.Of("/").OnConnection(func(s *socketio.Socket) {
		go func() { // EmitWithAck blocks; keep the connection handler short
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			args, err := s.EmitWithAck(ctx, "question", "6*7?")
			if err != nil {
				done <- err.Error() // context.DeadlineExceeded, ErrDisconnected...
				return
			}
			var n int
			_ = args.Decode(0, &n)
			done <- fmt.Sprint("answer: ", n)
		}()
	})
	addr, stop := serve(srv)
	defer stop()

	c := dial(addr)
	c.recvN(2) // 40 and the question (ack id 0 from the namespace counter)
	c.send(`430[42]`)
	fmt.Println(<-done)
	// Output:
	// S: 40
	// S: 420["question","6*7?"]
	// C: 430[42]
	// answer: 42
}

func ExampleOnEvent() {
	type message struct {
		Room string `json:"room"`
		Text string `json:"text"`
	}
	srv, _ := socketio.NewServer(nil)
	socketio.OnEvent(srv.Of("/"), "join", func(s *socketio.Socket, room string, ack socketio.AckFunc) {
		_ = s.Join(room)
		if ack != nil {
			_ = ack(true)
		}
	})
	socketio.OnEvent(srv.Of("/"), "say", func(s *socketio.Socket, m message, _ socketio.AckFunc) {
		// to everyone in the room but the sender
		_ = s.To(m.Room).Emit("said", m.Text)
	})
	addr, stop := serve(srv)
	defer stop()

	a, b := dial(addr), dial(addr)
	a.recv()
	b.recv()
	a.send(`421["join","lobby"]`)
	a.recv()
	b.send(`42["say",{"room":"lobby","text":"hi"}]`)
	a.recv()
	// Output:
	// S: 40
	// S: 40
	// C: 421["join","lobby"]
	// S: 431[true]
	// C: 42["say",{"room":"lobby","text":"hi"}]
	// S: 42["said","hi"]
}
