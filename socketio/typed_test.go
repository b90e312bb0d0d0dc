package socketio

import "testing"

func TestOnEvent(t *testing.T) {
	type msg struct {
		Text string `json:"text"`
		Blob []byte `json:"blob"`
	}
	ts := newTestServer(t, nil)
	got := make(chan msg, 2)
	OnEvent(ts.Of("/"), "msg", func(s *Socket, m msg, ack AckFunc) {
		got <- m
		if ack != nil {
			_ = ack(len(m.Blob))
		}
	})
	f := ts.connect("")
	f.text(`42["msg",{"text":"hi"}]`)
	if m := wait(t, got); m.Text != "hi" {
		t.Fatalf("got %+v", m)
	}
	f.text(`451-3["msg",{"text":"b","blob":{"_placeholder":true,"num":0}}]`)
	f.bin(1, 2, 3)
	if m := wait(t, got); m.Text != "b" || string(m.Blob) != "\x01\x02\x03" {
		t.Fatalf("got %+v", m)
	}
	f.expect(t, "433[3]")
	f.text(`42["msg","not an object"]`) // dropped
	f.text(`42["msg"]`)                 // no argument: zero value
	if m := wait(t, got); m.Text != "" {
		t.Fatalf("got %+v", m)
	}
}
