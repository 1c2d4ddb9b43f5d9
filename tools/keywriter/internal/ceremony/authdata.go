package ceremony

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator data flags (WebAuthn §6.1).
const (
	FlagUP = 0x01
	FlagUV = 0x04
	FlagAT = 0x40
	FlagED = 0x80
)

// AuthData is authenticator data with attested credential data, as a key
// returns it from makeCredential (WebAuthn §6.1, §6.5.1).
type AuthData struct {
	RPIDHash     [32]byte
	Flags        byte
	SignCount    uint32
	AAGUID       [16]byte
	CredentialID []byte
	// PublicKey is the COSE key as the key encoded it; Alg is its "alg".
	PublicKey cbor.RawMessage
	Alg       int
	// CredProtect and HMACSecret are the extension outputs (0 and false
	// when absent).
	CredProtect int
	HMACSecret  bool
}

// decMode refuses duplicate map keys and indefinite lengths, which CTAP2
// canonical CBOR never has.
var decMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		MaxNestedLevels:  16,
		MaxArrayElements: 1024,
		MaxMapPairs:      1024,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// coseKey is the part of a COSE key the desk reads.
type coseKey struct {
	Kty int             `cbor:"1,keyasint"`
	Alg int             `cbor:"3,keyasint"`
	Crv int             `cbor:"-1,keyasint,omitempty"`
	X   cbor.RawMessage `cbor:"-2,keyasint,omitempty"`
	Y   cbor.RawMessage `cbor:"-3,keyasint,omitempty"`
}

// extensionOutputs are the authenticator extension outputs Entra cares
// about; others are ignored.
type extensionOutputs struct {
	CredProtect int  `cbor:"credProtect"`
	HMACSecret  bool `cbor:"hmac-secret"`
}

// ParseAuthData reads raw authenticator data (not the CBOR byte string
// libfido2's authdata accessor wraps it in).
func ParseAuthData(b []byte) (AuthData, error) {
	var a AuthData
	const head = 32 + 1 + 4
	if len(b) < head {
		return a, fmt.Errorf("authenticator data: %d bytes, shorter than %d", len(b), head)
	}
	copy(a.RPIDHash[:], b[:32])
	a.Flags = b[32]
	a.SignCount = binary.BigEndian.Uint32(b[33:37])
	rest := b[head:]
	if a.Flags&FlagAT == 0 {
		return a, errors.New("authenticator data: no attested credential data (AT flag clear)")
	}
	if len(rest) < 16+2 {
		return a, errors.New("authenticator data: attested credential data is truncated")
	}
	copy(a.AAGUID[:], rest[:16])
	n := int(binary.BigEndian.Uint16(rest[16:18]))
	rest = rest[18:]
	if n == 0 || n > 1023 || len(rest) < n {
		return a, fmt.Errorf("authenticator data: credential id length %d does not fit", n)
	}
	a.CredentialID, rest = append([]byte(nil), rest[:n]...), rest[n:]
	var key coseKey
	keyRest, err := decMode.UnmarshalFirst(rest, &key)
	if err != nil {
		return a, fmt.Errorf("authenticator data: credential public key: %w", err)
	}
	a.PublicKey, a.Alg = append(cbor.RawMessage(nil), rest[:len(rest)-len(keyRest)]...), key.Alg
	if a.Alg == 0 {
		return a, errors.New("authenticator data: credential public key has no alg")
	}
	return a, a.extensions(keyRest)
}

func (a *AuthData) extensions(rest []byte) error {
	if a.Flags&FlagED == 0 {
		if len(rest) > 0 {
			return fmt.Errorf("authenticator data: %d bytes after the credential key and no extensions flag", len(rest))
		}
		return nil
	}
	var ext extensionOutputs
	tail, err := decMode.UnmarshalFirst(rest, &ext)
	if err != nil {
		return fmt.Errorf("authenticator data: extensions: %w", err)
	}
	if len(tail) > 0 {
		return fmt.Errorf("authenticator data: %d bytes after the extensions", len(tail))
	}
	a.CredProtect, a.HMACSecret = ext.CredProtect, ext.HMACSecret
	return nil
}
