package softctap

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
)

// PIN/UV auth protocol 1 (CTAP 2.1 §6.5.6): ECDH on P-256, shared secret
// SHA-256(Z), AES-256-CBC with a zero IV, HMAC-SHA-256 cut to 16 bytes.
// The key advertises only protocol 1, so libfido2 uses it.

// Token permissions (CTAP 2.1 §6.5.5.7).
const (
	permMakeCredential = 0x01
	permGetAssertion   = 0x02
	permConfig         = 0x20
)

// coseKey is an EC2 P-256 public key as clientPIN carries it.
type coseKey struct {
	Kty int    `cbor:"1,keyasint"`
	Alg int    `cbor:"3,keyasint"`
	Crv int    `cbor:"-1,keyasint"`
	X   []byte `cbor:"-2,keyasint"`
	Y   []byte `cbor:"-3,keyasint"`
}

type pinRequest struct {
	Protocol     int      `cbor:"1,keyasint"`
	Sub          int      `cbor:"2,keyasint"`
	KeyAgreement *coseKey `cbor:"3,keyasint"`
	Auth         []byte   `cbor:"4,keyasint"`
	NewPINEnc    []byte   `cbor:"5,keyasint"`
	PINHashEnc   []byte   `cbor:"6,keyasint"`
	Permissions  byte     `cbor:"9,keyasint"`
	RPID         string   `cbor:"10,keyasint"`
}

var pinSubcommands = map[int]string{1: "getRetries", 2: "getKeyAgreement", 3: "setPIN", 4: "changePIN",
	5: "getPinToken", 9: "getPinUvAuthTokenUsingPinWithPermissions"}

func (k *Key) clientPIN(params []byte) (byte, []byte) {
	var r pinRequest
	if err := dec.Unmarshal(params, &r); err != nil {
		k.record("clientPIN unreadable")
		return statusInvalidCBOR, nil
	}
	k.record("clientPIN " + pinSubcommands[r.Sub])
	if r.Sub != 1 && r.Protocol != 1 {
		return statusInvalidParameter, nil
	}
	switch r.Sub {
	case 1:
		return reply(map[int]any{3: k.retries})
	case 2:
		return reply(map[int]any{1: k.publicAgreementKey()})
	case 3:
		return k.setPINCommand(r)
	case 4:
		return k.changePINCommand(r)
	case 5, 9:
		return k.tokenCommand(r)
	}
	return statusInvalidParameter, nil
}

func (k *Key) publicAgreementKey() coseKey {
	raw := k.agreement.PublicKey().Bytes() // 0x04 | x | y
	return coseKey{Kty: 2, Alg: -25, Crv: 1, X: raw[1:33], Y: raw[33:65]}
}

// sharedSecret is SHA-256 of the ECDH x coordinate with the platform key.
func (k *Key) sharedSecret(pk *coseKey) ([]byte, bool) {
	if pk == nil || len(pk.X) != 32 || len(pk.Y) != 32 {
		return nil, false
	}
	pub, err := ecdh.P256().NewPublicKey(append(append([]byte{4}, pk.X...), pk.Y...))
	if err != nil {
		return nil, false
	}
	z, err := k.agreement.ECDH(pub)
	if err != nil {
		return nil, false
	}
	s := sha256.Sum256(z)
	return s[:], true
}

func authenticate(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)[:16]
}

func cbcCrypt(key, data []byte, encrypt bool) ([]byte, bool) {
	block, err := aes.NewCipher(key)
	if err != nil || len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, false
	}
	out := make([]byte, len(data))
	iv := make([]byte, aes.BlockSize)
	if encrypt {
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, data)
	} else {
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	}
	return out, true
}

func (k *Key) setPIN(p []byte) {
	h := sha256.Sum256(p)
	k.pinHash, k.pinLen, k.retries = h[:16], utf8.RuneCount(p), 8
}

// newPIN decrypts a padded new PIN and checks it against the policy.
func (k *Key) newPIN(shared []byte, r pinRequest) ([]byte, byte) {
	if len(r.NewPINEnc) != 64 {
		return nil, statusPINPolicyViolation
	}
	padded, ok := cbcCrypt(shared, r.NewPINEnc, false)
	if !ok {
		return nil, statusPINAuthInvalid
	}
	p := padded
	if i := bytes.IndexByte(padded, 0); i >= 0 {
		p = padded[:i]
	}
	if utf8.RuneCount(p) < k.minPIN || len(p) > 63 {
		return nil, statusPINPolicyViolation
	}
	return p, statusOK
}

func (k *Key) setPINCommand(r pinRequest) (byte, []byte) {
	if k.pinHash != nil {
		return statusNotAllowed, nil
	}
	shared, ok := k.sharedSecret(r.KeyAgreement)
	if !ok || r.Auth == nil || r.NewPINEnc == nil {
		return statusMissingParameter, nil
	}
	if !hmac.Equal(authenticate(shared, r.NewPINEnc), r.Auth) {
		return statusPINAuthInvalid, nil
	}
	p, status := k.newPIN(shared, r)
	if status != statusOK {
		return status, nil
	}
	k.setPIN(p)
	k.forceChange = false
	return statusOK, nil
}

// checkPINHash compares pinHashEnc with the PIN, counting a failure
// against the retries and making a new agreement key, as CTAP requires.
func (k *Key) checkPINHash(shared, pinHashEnc []byte) byte {
	if k.pinHash == nil {
		return statusPINNotSet
	}
	if k.retries == 0 {
		return statusPINBlocked
	}
	got, ok := cbcCrypt(shared, pinHashEnc, false)
	if !ok || !hmac.Equal(got, k.pinHash) {
		k.retries--
		_ = k.newAgreementKey()
		if k.retries == 0 {
			return statusPINBlocked
		}
		return statusPINInvalid
	}
	k.retries = 8
	return statusOK
}

func (k *Key) changePINCommand(r pinRequest) (byte, []byte) {
	shared, ok := k.sharedSecret(r.KeyAgreement)
	if !ok || r.Auth == nil || r.NewPINEnc == nil || r.PINHashEnc == nil {
		return statusMissingParameter, nil
	}
	if !hmac.Equal(authenticate(shared, append(append([]byte{}, r.NewPINEnc...), r.PINHashEnc...)), r.Auth) {
		return statusPINAuthInvalid, nil
	}
	if status := k.checkPINHash(shared, r.PINHashEnc); status != statusOK {
		return status, nil
	}
	p, status := k.newPIN(shared, r)
	if status != statusOK {
		return status, nil
	}
	if h := sha256.Sum256(p); k.forceChange && string(h[:16]) == string(k.pinHash) {
		return statusPINPolicyViolation, nil // a forced change must change the PIN
	}
	k.setPIN(p)
	k.forceChange, k.token = false, nil
	return statusOK, nil
}

func (k *Key) tokenCommand(r pinRequest) (byte, []byte) {
	shared, ok := k.sharedSecret(r.KeyAgreement)
	if !ok || r.PINHashEnc == nil {
		return statusMissingParameter, nil
	}
	perms := byte(permMakeCredential | permGetAssertion) // getPinToken's implied permissions
	if r.Sub == 9 {
		if k.opts.CTAP20 {
			return statusInvalidParameter, nil
		}
		if r.Permissions == 0 {
			return statusInvalidParameter, nil
		}
		perms = r.Permissions
	}
	if status := k.checkPINHash(shared, r.PINHashEnc); status != statusOK {
		return status, nil
	}
	if k.forceChange {
		return statusPINPolicyViolation, nil
	}
	token := make([]byte, 32)
	_, _ = rand.Read(token)
	k.token, k.tokenPerms, k.tokenRP = token, perms, r.RPID
	enc, _ := cbcCrypt(shared, token, true)
	return reply(map[int]any{2: enc})
}

// verifyToken checks pinUvAuthParam over msg with the current token and
// its permission (and relying party, when the token is bound to one).
func (k *Key) verifyToken(auth, msg []byte, perm byte, rpID string) byte {
	if k.token == nil || !hmac.Equal(authenticate(k.token, msg), auth) {
		return statusPINAuthInvalid
	}
	if k.tokenPerms&perm == 0 || (rpID != "" && k.tokenRP != "" && k.tokenRP != rpID) {
		return statusUnauthorizedPerm
	}
	return statusOK
}

// rawField returns a request map member's CBOR as sent: authenticatorConfig
// authenticates the subCommandParams bytes, not a re-encoding.
func rawField(params []byte, key int) cbor.RawMessage {
	var m map[int]cbor.RawMessage
	if dec.Unmarshal(params, &m) != nil {
		return nil
	}
	return m[key]
}
