package engineio

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// testPKI is a throwaway CA with a server certificate for 127.0.0.1 and a
// client certificate.
type testPKI struct {
	pool           *x509.CertPool
	server, client tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := key()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, usage x509.ExtKeyUsage, ip bool) tls.Certificate {
		k := key()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		if ip {
			tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
	}
	p := &testPKI{pool: x509.NewCertPool()}
	p.pool.AddCert(caCert)
	p.server = leaf(2, x509.ExtKeyUsageServerAuth, true)
	p.client = leaf(3, x509.ExtKeyUsageClientAuth, false)
	return p
}

// covers: EIO-MSG-18, EIO-MSG-19, EIO-MSG-20, EIO-MSG-21, EIO-MSG-22
// (the client's key format — PEM pair or PFX — is invisible to the server;
// what it sees is a TLS connection with or without a verified client
// certificate, tested both ways here).
func TestTLS(t *testing.T) {
	pki := newTestPKI(t)
	for _, tt := range []struct {
		name       string
		auth       tls.ClientAuthType
		clientCert bool
	}{
		{"EIO-MSG-18 EIO-MSG-20 EIO-MSG-21 EIO-MSG-22 client certificate required", tls.RequireAndVerifyClientCert, true},
		{"EIO-MSG-19 client certificate requested, none sent", tls.VerifyClientCertIfGiven, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := NewServer(nil)
			if err != nil {
				t.Fatal(err)
			}
			got := make(chan string, 4)
			secure := make(chan bool, 4)
			socks := make(chan *Socket, 4)
			srv.OnConnection(func(s *Socket) {
				socks <- s
				secure <- s.Request().Secure
				s.OnMessage(func(d []byte, _ bool) { got <- string(d) })
			})
			ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
				Certificates: []tls.Certificate{pki.server}, ClientAuth: tt.auth, ClientCAs: pki.pool,
			})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ln) }()
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
				defer cancel()
				if err := srv.Close(ctx); err != nil {
					t.Error(err)
				}
				if err := <-done; !errors.Is(err, ErrServerClosed) {
					t.Error(err)
				}
			}()
			ccfg := &tls.Config{RootCAs: pki.pool}
			if tt.clientCert {
				ccfg.Certificates = []tls.Certificate{pki.client}
			}
			tr := &http.Transport{TLSClientConfig: ccfg}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: waitTimeout}
			base := "https://" + ln.Addr().String() + "/engine.io/?EIO=3&transport=polling&b64=1"

			// HTTPS polling.
			res, err := client.Get(base)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			i := strings.Index(string(body), `"sid":"`)
			sid := string(body[i+7 : i+27])
			res, err = client.Post(base+"&sid="+sid, "text/plain", strings.NewReader("6:4hello"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if m := recv(t, got, "polling message"); m != "hello" {
				t.Errorf("message %q", m)
			}
			if !recv(t, secure, "secure") {
				t.Errorf("Request.Secure false over TLS")
			}
			// A parked GET over TLS (the drop probe reads a tls.Conn),
			// twice on the same keep-alive connection.
			sock := recv(t, socks, "socket")
			for i := range 2 {
				type result struct {
					body string
					err  error
				}
				gr := make(chan result, 1)
				go func() {
					res, err := client.Get(base + "&sid=" + sid)
					if err != nil {
						gr <- result{err: err}
						return
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					gr <- result{body: string(b)}
				}()
				waitParked(t, srv, sid)
				_ = sock.Send(text("tls"), SendOptions{})
				if r := recv(t, gr, "parked GET"); r.err != nil || r.body != "4:4tls" {
					t.Errorf("GET %d: %q %v", i, r.body, r.err)
				}
			}

			// WSS.
			d := websocket.Dialer{TLSClientConfig: ccfg, HandshakeTimeout: waitTimeout}
			c, _, err := d.Dial("wss://"+ln.Addr().String()+"/engine.io/?EIO=3&transport=websocket", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			readWS(t, c)
			writeWS(t, c, websocket.TextMessage, "4wss")
			if m := recv(t, got, "wss message"); m != "wss" {
				t.Errorf("message %q", m)
			}
		})
	}
}
