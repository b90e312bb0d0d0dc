package socketio

import (
	"testing"

	parser "github.com/fastsio/fastsio/socketio-parser"
)

func TestValuesRoundTrip(t *testing.T) {
	// covers: SUP-56, SUP-57
	// Re-emitting Values gives what 1.7.3's JSON.parse + JSON.stringify
	// gives: key order kept, numbers normalised, binary in place.
	tests := []struct {
		in   string
		atts [][]byte
		want string
	}{
		{`[{"b":1,"a":2,"2":3},[1.0,1e2,-0],"\u0041\u2028",null,true]`, nil, `[{"2":3,"b":1,"a":2},[1,100,0],"A` + "\u2028" + `",null,true]`},
		{`[{"z":{"_placeholder":true,"num":1},"a":[{"_placeholder":true,"num":0}]},{"_placeholder":true,"num":0}]`, [][]byte{{1}, {2}}, `[{"z":{"_placeholder":true,"num":0},"a":[{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":2}]`},
	}
	for _, tt := range tests {
		p := parser.Packet{Type: parser.Ack, Data: []byte(tt.in), Attachments: tt.atts}
		if tt.atts != nil {
			p.Type = parser.BinaryAck
		}
		args, err := p.AckArgs()
		if err != nil {
			t.Fatal(err)
		}
		vals, err := Values(args)
		if err != nil {
			t.Fatal(err)
		}
		out, atts, err := parser.AppendJSON(nil, nil, vals)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != tt.want {
			t.Fatalf("got %s, want %s", out, tt.want)
		}
		if tt.atts != nil && (len(atts) != 3 || atts[0][0] != 2 || atts[1][0] != 1 || atts[2][0] != 1) {
			t.Fatalf("attachments %v", atts)
		}
	}
}
