package ceremony

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Answer is what the key returned from makeCredential, as libfido2 hands
// it over: raw authenticator data (not CBOR-wrapped) and the attestation
// statement's raw CBOR.
type Answer struct {
	Format       string
	AuthData     []byte
	AttStmt      []byte
	CredentialID []byte
}

// Checked is an answer that passed Check, ready to send.
type Checked struct {
	AuthData          AuthData
	AttestationObject []byte
	// Attested says whether the statement carries a certificate chain
	// (packed with x5c); Entra's attestation enforcement needs one.
	Attested bool
}

// enc is CTAP2's canonical CBOR (length-first key order, definite
// lengths), the encoding python-fido2 re-encodes the object in.
var enc = func() cbor.EncMode {
	em, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

// Check verifies the key's answer against the request before anything
// irreversible happens (shared/reference/fido2-keywriter.md §1.5 step 4)
// and assembles the attestation object: rpIdHash, user presence and
// verification, the credential id and algorithm, the credProtect level
// when enforced, a format Entra accepts, and the attestation signature
// over authData || SHA-256(clientDataJSON).
func (r Request) Check(alg int, clientDataJSON []byte, a Answer) (Checked, error) {
	ad, err := ParseAuthData(a.AuthData)
	if err != nil {
		return Checked{}, err
	}
	if want := sha256.Sum256([]byte(r.RPID)); ad.RPIDHash != want {
		return Checked{}, errors.New("key answer: rpIdHash is not SHA-256 of rp.id")
	}
	switch {
	case ad.Flags&FlagUP == 0:
		return Checked{}, errors.New("key answer: user presence flag clear")
	case r.UserVerification == "required" && ad.Flags&FlagUV == 0:
		return Checked{}, errors.New("key answer: user not verified, but Entra requires it")
	case !bytes.Equal(ad.CredentialID, a.CredentialID):
		return Checked{}, errors.New("key answer: attested credential id differs from the one returned")
	case ad.Alg != alg:
		return Checked{}, fmt.Errorf("key answer: credential algorithm %d, asked for %d", ad.Alg, alg)
	case r.EnforceCredProtect && r.CredProtect > 0 && ad.CredProtect < r.CredProtect:
		return Checked{}, fmt.Errorf("key answer: credProtect %d applied, %d required", ad.CredProtect, r.CredProtect)
	}
	attested, err := checkStatement(a.Format, a.AttStmt, a.AuthData, clientDataJSON, ad)
	if err != nil {
		return Checked{}, err
	}
	obj, err := AttestationObject(a.Format, a.AuthData, a.AttStmt)
	if err != nil {
		return Checked{}, err
	}
	return Checked{AuthData: ad, AttestationObject: obj, Attested: attested}, nil
}

// AttestationObject is the CTAP2-canonical map {fmt, attStmt, authData}
// with attStmt embedded byte for byte.
func AttestationObject(format string, authData, attStmt []byte) ([]byte, error) {
	if err := decMode.Wellformed(attStmt); err != nil || len(attStmt) == 0 || attStmt[0]>>5 != 5 {
		return nil, fmt.Errorf("attestation statement is not a CBOR map: %v", err)
	}
	return enc.Marshal(struct {
		Fmt      string          `cbor:"fmt"`
		AttStmt  cbor.RawMessage `cbor:"attStmt"`
		AuthData []byte          `cbor:"authData"`
	}{format, attStmt, authData})
}

// packedStatement is fmt "packed" (WebAuthn §8.2).
type packedStatement struct {
	Alg int      `cbor:"alg"`
	Sig []byte   `cbor:"sig"`
	X5c [][]byte `cbor:"x5c"`
}

// checkStatement verifies a packed signature (with the x5c leaf, or the
// credential key for self attestation) and accepts "none" as is. Entra's
// beta API takes only those two formats.
func checkStatement(format string, stmt, authData, clientDataJSON []byte, ad AuthData) (bool, error) {
	switch format {
	case "none":
		if !bytes.Equal(stmt, []byte{0xa0}) {
			return false, errors.New("key answer: fmt none with a non-empty statement")
		}
		return false, nil
	case "packed":
	default:
		return false, fmt.Errorf("key answer: attestation format %q; Entra accepts packed or none", format)
	}
	var st packedStatement
	if err := decMode.Unmarshal(stmt, &st); err != nil {
		return false, fmt.Errorf("key answer: packed statement: %w", err)
	}
	if st.Alg == 0 || len(st.Sig) == 0 {
		return false, errors.New("key answer: packed statement without alg or sig")
	}
	signed := append(append([]byte{}, authData...), ClientDataHash(clientDataJSON)...)
	if len(st.X5c) > 0 {
		return true, verifyWithCertificate(st.X5c[0], st.Alg, signed, st.Sig)
	}
	if st.Alg != ad.Alg {
		return false, errors.New("key answer: self attestation signed with another algorithm than the credential's")
	}
	return false, verifySelf(ad.PublicKey, st.Alg, signed, st.Sig)
}

var x509Algorithms = map[int]x509.SignatureAlgorithm{
	AlgES256: x509.ECDSAWithSHA256, AlgES384: x509.ECDSAWithSHA384,
	AlgRS256: x509.SHA256WithRSA, AlgEdDSA: x509.PureEd25519,
}

func verifyWithCertificate(der []byte, alg int, signed, sig []byte) error {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("key answer: attestation certificate: %w", err)
	}
	sa, ok := x509Algorithms[alg]
	if !ok {
		return fmt.Errorf("key answer: attestation algorithm %d is not one the desk can check", alg)
	}
	if err := cert.CheckSignature(sa, signed, sig); err != nil {
		return fmt.Errorf("key answer: attestation signature does not verify: %w", err)
	}
	return nil
}

// verifySelf checks packed self attestation for ES256, the algorithm
// every key Entra accepts offers.
func verifySelf(cose []byte, alg int, signed, sig []byte) error {
	if alg != AlgES256 {
		return fmt.Errorf("key answer: self attestation with algorithm %d is not one the desk can check", alg)
	}
	var k struct {
		Kty int    `cbor:"1,keyasint"`
		Crv int    `cbor:"-1,keyasint"`
		X   []byte `cbor:"-2,keyasint"`
		Y   []byte `cbor:"-3,keyasint"`
	}
	if err := decMode.Unmarshal(cose, &k); err != nil || k.Kty != 2 || k.Crv != 1 || len(k.X) != 32 || len(k.Y) != 32 {
		return errors.New("key answer: credential key is not an EC2 P-256 key")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, k.X...), k.Y...))
	if err != nil {
		return fmt.Errorf("key answer: credential key: %w", err)
	}
	digest := sha256.Sum256(signed)
	if !ecdsa.VerifyASN1(pub, digest[:], sig) {
		return errors.New("key answer: self attestation signature does not verify")
	}
	return nil
}
