package softkey

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

// attestationKey signs packed attestation statements.
type attestationKey struct {
	key     *ecdsa.PrivateKey
	certDER []byte
}

// idFidoGenCeAAGUID is the certificate extension carrying the AAGUID
// (WebAuthn §8.2.1).
var idFidoGenCeAAGUID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}

// newAttestationKey makes a self-signed certificate meeting the packed
// attestation certificate requirements (WebAuthn §8.2.1): version 3;
// subject C, O, OU "Authenticator Attestation" and CN; not a CA; the
// AAGUID extension, not critical. Verifiers check it against the clock, so
// it is valid from an hour ago for ten years.
func newAttestationKey(aaguid [16]byte) (attestationKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return attestationKey{}, err
	}
	ext, err := asn1.Marshal(aaguid[:])
	if err != nil {
		return attestationKey{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return attestationKey{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{Country: []string{"US"}, Organization: []string{"Passkey First Test Keys"},
			OrganizationalUnit: []string{"Authenticator Attestation"}, CommonName: "softkey attestation"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		ExtraExtensions:       []pkix.Extension{{Id: idFidoGenCeAAGUID, Value: ext}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return attestationKey{}, fmt.Errorf("softkey: attestation certificate: %w", err)
	}
	return attestationKey{key: key, certDER: der}, nil
}
