package transporttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"time"
)

// CertKind is the certificate a [Server] presents for TLS.
type CertKind int

// The certificates, all generated in memory when the server starts.
const (
	// CertValid is issued by the server's test CA ([Server.RootCAs]) for
	// "localhost", 127.0.0.1 and ::1.
	CertValid CertKind = iota
	// CertSelfSigned has the right names but is signed by itself.
	CertSelfSigned
	// CertWrongName is issued by the test CA for "wrong.example" only.
	CertWrongName
	// CertExpired is issued by the test CA for the right names but expired
	// a day ago.
	CertExpired
)

// testPKI is a test CA and the server certificate of the kind asked for.
type testPKI struct {
	roots *x509.CertPool
	caPEM []byte // the CA certificate, PEM-encoded
	cert  tls.Certificate
}

func newTestPKI(kind CertKind) (*testPKI, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "jakelu transporttest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	parent, signer := ca, caKey
	switch kind {
	case CertSelfSigned:
		parent, signer = tmpl, key
	case CertWrongName:
		tmpl.Subject.CommonName = "wrong.example"
		tmpl.DNSNames, tmpl.IPAddresses = []string{"wrong.example"}, nil
	case CertExpired:
		tmpl.NotBefore, tmpl.NotAfter = now.Add(-48*time.Hour), now.Add(-24*time.Hour)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return &testPKI{roots: roots, caPEM: caPEM, cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}}, nil
}
