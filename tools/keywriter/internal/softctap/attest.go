package softctap

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// chain is an attestation root, an intermediate and the leaf key the key
// signs with, as vendors ship them (x5c = [leaf, intermediate]).
type chain struct {
	root, intermediate, leaf *x509.Certificate
	leafKey                  *ecdsa.PrivateKey
}

// idFidoGenCeAAGUID carries the AAGUID in a packed attestation
// certificate (WebAuthn §8.2.1).
var idFidoGenCeAAGUID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}

func newChain(aaguid [16]byte) (chain, error) {
	now := time.Now()
	rootKey, rootCert, err := newCA("Softctap Attestation Root", nil, nil, now)
	if err != nil {
		return chain{}, err
	}
	intKey, intCert, err := newCA("Softctap Attestation Intermediate", rootCert, rootKey, now)
	if err != nil {
		return chain{}, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return chain{}, err
	}
	ext, err := asn1.Marshal(aaguid[:])
	if err != nil {
		return chain{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(3),
		Subject: pkix.Name{Country: []string{"SE"}, Organization: []string{"Softctap"},
			OrganizationalUnit: []string{"Authenticator Attestation"}, CommonName: "Softctap Key Attestation"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		BasicConstraintsValid: true, IsCA: false,
		ExtraExtensions: []pkix.Extension{{Id: idFidoGenCeAAGUID, Value: ext}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, intCert, &leafKey.PublicKey, intKey)
	if err != nil {
		return chain{}, fmt.Errorf("softctap: leaf certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return chain{}, err
	}
	return chain{root: rootCert, intermediate: intCert, leaf: leaf, leafKey: leafKey}, nil
}

// newCA makes a CA certificate, self-signed when parent is nil.
func newCA(cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, now time.Time) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{Organization: []string{"Softctap"}, CommonName: cn},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour),
		BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign,
	}
	signer, signerKey := parent, parentKey
	if parent == nil {
		signer, signerKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		return nil, nil, fmt.Errorf("softctap: %s: %w", cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	return key, cert, err
}
