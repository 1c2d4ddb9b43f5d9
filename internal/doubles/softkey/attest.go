package softkey

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// ctap2 is CTAP2's canonical CBOR: definite lengths, map keys sorted
// length first (CTAP 2.1 §8 "CTAP2 canonical CBOR encoding form").
var ctap2 = func() cbor.EncMode {
	em, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

// Authenticator data flags (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
	flagED = 0x80
)

// clientData is CollectedClientData in the member order python-fido2 and
// DSInternals write it; json.Marshal keeps struct order and adds no space.
type clientData struct {
	Type        string `json:"type"`
	Challenge   string `json:"challenge"`
	Origin      string `json:"origin"`
	CrossOrigin bool   `json:"crossOrigin"`
}

func (k *Key) attest(o options, c *credential, f faultSet) (Credential, error) {
	cdj, err := clientDataJSON(o, f)
	if err != nil {
		return Credential{}, err
	}
	authData, hmac, err := k.authData(o, c, f)
	if err != nil {
		return Credential{}, err
	}
	stmt, format, err := k.statement(c, authData, cdj, f)
	if err != nil {
		return Credential{}, err
	}
	obj, err := ctap2.Marshal(struct {
		Fmt      string          `cbor:"fmt"`
		AttStmt  cbor.RawMessage `cbor:"attStmt"`
		AuthData []byte          `cbor:"authData"`
	}{format, stmt, authData})
	if err != nil {
		return Credential{}, err
	}
	out := Credential{ID: c.id, ClientDataJSON: cdj, AttestationObject: obj, ClientExtensionResults: map[string]any{}}
	if hmac {
		out.ClientExtensionResults["hmacCreateSecret"] = true
	}
	return out, nil
}

func clientDataJSON(o options, f faultSet) ([]byte, error) {
	challenge := o.Challenge
	if f.has(WrongChallenge) {
		challenge = make([]byte, 32)
		if _, err := rand.Read(challenge); err != nil {
			return nil, err
		}
	}
	origin := "https://" + o.RPID
	if f.has(WrongOrigin) {
		origin = EvilOrigin
	}
	return json.Marshal(clientData{"webauthn.create", base64.RawURLEncoding.EncodeToString(challenge), origin, false})
}

// authData lays out rpIdHash | flags | signCount | AAGUID | credIdLen |
// credId | COSE key | extensions (WebAuthn §6.1, §6.5.1). It also says
// whether hmac-secret was made.
func (k *Key) authData(o options, c *credential, f faultSet) ([]byte, bool, error) {
	rp := o.RPID
	if f.has(WrongRPIDHash) {
		rp = EvilRPID
	}
	rpHash := sha256.Sum256([]byte(rp))
	ext, hmac, err := k.extensions(o, f)
	if err != nil {
		return nil, false, err
	}
	flags := byte(flagUP | flagUV | flagAT)
	if f.has(NoUV) {
		flags &^= flagUV
	}
	if len(ext) > 0 {
		flags |= flagED
	}
	cose, err := coseKey(&c.key.PublicKey)
	if err != nil {
		return nil, false, err
	}
	out := append([]byte{}, rpHash[:]...)
	out = append(out, flags, 0, 0, 0, 1) // signCount 1, as the real key in §1.2 reported
	out = append(out, k.opts.AAGUID[:]...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(c.id)))
	out = append(out, c.id...)
	out = append(out, cose...)
	return append(out, ext...), hmac, nil
}

// extensions are the authenticator extension outputs: credProtect with
// the level applied, hmac-secret true when made.
func (k *Key) extensions(o options, f faultSet) ([]byte, bool, error) {
	m := map[string]any{}
	if level := o.CredProtect; level > 0 && !k.opts.NoCredProtect && !f.has(NoCredProtect) {
		if f.has(WeakCredProtect) {
			level = 1
		}
		m["credProtect"] = level
	}
	hmac := o.HMACSecret && !k.opts.NoHMACSecret
	if hmac {
		m["hmac-secret"] = true
	}
	if len(m) == 0 {
		return nil, false, nil
	}
	b, err := ctap2.Marshal(m)
	return b, hmac, err
}

// coseKey is the EC2 P-256 key for ES256 (RFC 9053 §7.1.1):
// {1: 2, 3: -7, -1: 1, -2: x, -3: y}.
func coseKey(pub *ecdsa.PublicKey) ([]byte, error) {
	raw, err := pub.Bytes() // 0x04 | x | y
	if err != nil {
		return nil, err
	}
	return ctap2.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:65]})
}

// statement signs authData || SHA-256(clientDataJSON) (WebAuthn §8.2).
func (k *Key) statement(c *credential, authData, cdj []byte, f faultSet) (cbor.RawMessage, string, error) {
	if k.opts.Attestation == NoAttestation {
		return cbor.RawMessage{0xa0}, "none", nil
	}
	cdh := sha256.Sum256(cdj)
	if f.has(BadSignature) {
		cdh = sha256.Sum256(append(cdj, '!'))
	}
	digest := sha256.Sum256(append(append([]byte{}, authData...), cdh[:]...))
	signer, x5c := k.att.key, [][]byte{k.att.certDER}
	if k.opts.Attestation == SelfAttested {
		signer, x5c = c.key, nil
	}
	sig, err := ecdsa.SignASN1(rand.Reader, signer, digest[:])
	if err != nil {
		return nil, "", fmt.Errorf("softkey: sign: %w", err)
	}
	stmt, err := ctap2.Marshal(struct {
		Alg int      `cbor:"alg"`
		Sig []byte   `cbor:"sig"`
		X5c [][]byte `cbor:"x5c,omitempty"`
	}{-7, sig, x5c})
	return stmt, "packed", err
}
