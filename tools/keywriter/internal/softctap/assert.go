package softctap

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"slices"
	"time"
)

type assertRequest struct {
	RPID  string `cbor:"1,keyasint"`
	CDH   []byte `cbor:"2,keyasint"`
	Allow []struct {
		ID   []byte `cbor:"id"`
		Type string `cbor:"type"`
	} `cbor:"3,keyasint"`
	Options map[string]bool `cbor:"5,keyasint"`
	PINAuth *[]byte         `cbor:"6,keyasint"`
}

// getAssertion (CTAP 2.1 §6.2) for an allow list: enough for a
// preflight (up=false) and a plain assertion. A credential with
// credProtect 3 is found only with user verification.
func (k *Key) getAssertion(params []byte, timeout time.Duration) (byte, []byte) {
	var r assertRequest
	if err := dec.Unmarshal(params, &r); err != nil {
		k.record("getAssertion unreadable")
		return statusInvalidCBOR, nil
	}
	up := !hasOption(r.Options, "up") || r.Options["up"]
	k.record(fmt.Sprintf("getAssertion rp=%s allowList=%d up=%v pin=%v", r.RPID, len(r.Allow), up, r.PINAuth != nil))
	if len(r.CDH) != 32 || r.RPID == "" {
		return statusMissingParameter, nil
	}
	if len(r.Allow) > k.opts.MaxCredCountInList {
		return statusLimitExceeded, nil
	}
	uv := false
	if r.PINAuth != nil {
		if s := k.verifyToken(*r.PINAuth, r.CDH, permGetAssertion, r.RPID); s != statusOK {
			return s, nil
		}
		uv = true
	}
	var found *credential
	for _, a := range r.Allow {
		i := slices.IndexFunc(k.creds, func(c *credential) bool {
			return c.rpID == r.RPID && string(c.id) == string(a.ID) && (c.protect < 3 || uv)
		})
		if i >= 0 {
			found = k.creds[i]
			break
		}
	}
	if found == nil {
		return statusNoCredentials, nil
	}
	flags := byte(0)
	if up {
		if s := k.userPresence(timeout); s != statusOK {
			return s, nil
		}
		flags |= 0x01
	}
	if uv {
		flags |= 0x04
	}
	k.signCount++
	rpHash := sha256.Sum256([]byte(r.RPID))
	authData := binary.BigEndian.AppendUint32(append(rpHash[:], flags), k.signCount)
	priv, err := x509.ParsePKCS8PrivateKey(found.privateKey)
	if err != nil {
		return statusInvalidParameter, nil
	}
	digest := sha256.Sum256(append(slices.Clone(authData), r.CDH...))
	sig, err := ecdsa.SignASN1(rand.Reader, priv.(*ecdsa.PrivateKey), digest[:])
	if err != nil {
		return statusInvalidParameter, nil
	}
	return reply(map[int]any{1: map[string]any{"id": found.id, "type": "public-key"}, 2: authData, 3: sig})
}
