package socketio

import (
	"slices"
	"testing"
)

// The memory adapter keeps a socket's own-id room apart from its other
// rooms; SocketRooms and Clients must still report join order.
// covers: SUP-48 (rooms in join order, the own id room included)
func TestMemoryAdapterOwnRoomOrder(t *testing.T) {
	type op struct {
		join bool
		room string
	}
	const id = "/chat#x"
	tests := []struct {
		name string
		ops  []op
		want []string
	}{
		{"own first", []op{{true, id}, {true, "a"}, {true, "b"}}, []string{id, "a", "b"}},
		{"own between", []op{{true, "a"}, {true, id}, {true, "b"}}, []string{"a", id, "b"}},
		{"leave before own", []op{{true, "a"}, {true, "b"}, {true, id}, {true, "c"}, {false, "a"}}, []string{"b", id, "c"}},
		{"leave after own", []op{{true, id}, {true, "a"}, {true, "b"}, {false, "b"}}, []string{id, "a"}},
		{"own left and rejoined", []op{{true, id}, {true, "a"}, {false, id}, {true, "b"}, {true, id}}, []string{"a", "b", id}},
		{"own only, left", []op{{true, id}, {false, id}}, []string{}},
		{"twice", []op{{true, id}, {true, "a"}, {true, id}, {true, "a"}}, []string{id, "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewMemoryAdapter(nil).(*memoryAdapter)
			for _, o := range tt.ops {
				var err error
				if o.join {
					err = a.Add(id, o.room)
				} else {
					err = a.Del(id, o.room)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			got := a.SocketRooms(id)
			if got == nil || !slices.Equal(got, tt.want) {
				t.Fatalf("SocketRooms = %#v, want %#v", got, tt.want)
			}
			// Every reported room has the socket as member, and no other.
			for _, r := range tt.want {
				var ms []string
				a.members(r, func(m string, _ uint64) { ms = append(ms, m) })
				if !slices.Equal(ms, []string{id}) {
					t.Errorf("members(%q) = %v", r, ms)
				}
			}
			if err := a.DelAll(id); err != nil {
				t.Fatal(err)
			}
			if got := a.SocketRooms(id); got != nil || len(a.rooms) != 0 || len(a.sids) != 0 {
				t.Fatalf("after DelAll: rooms %v, %d rooms, %d sids", got, len(a.rooms), len(a.sids))
			}
		})
	}
}
