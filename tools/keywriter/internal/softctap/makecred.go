package softctap

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
)

type makeCredRequest struct {
	CDH []byte `cbor:"1,keyasint"`
	RP  struct {
		ID   string `cbor:"id"`
		Name string `cbor:"name"`
	} `cbor:"2,keyasint"`
	User struct {
		ID          []byte `cbor:"id"`
		Name        string `cbor:"name"`
		DisplayName string `cbor:"displayName"`
	} `cbor:"3,keyasint"`
	Params []struct {
		Alg  int    `cbor:"alg"`
		Type string `cbor:"type"`
	} `cbor:"4,keyasint"`
	Exclude []struct {
		ID   []byte `cbor:"id"`
		Type string `cbor:"type"`
	} `cbor:"5,keyasint"`
	Extensions map[string]cbor.RawMessage `cbor:"6,keyasint"`
	Options    map[string]bool            `cbor:"7,keyasint"`
	PINAuth    *[]byte                    `cbor:"8,keyasint"`
	Protocol   int                        `cbor:"9,keyasint"`
}

// describe renders a request for Calls, without values that identify.
func (r makeCredRequest) describe() string {
	parts := []string{"makeCredential", "rp=" + r.RP.ID}
	if r.Options["rk"] {
		parts = append(parts, "rk")
	}
	parts = append(parts, fmt.Sprintf("excludeList=%d", len(r.Exclude)), fmt.Sprintf("pin=%v", r.PINAuth != nil))
	var ext []string
	for name := range r.Extensions {
		ext = append(ext, name)
	}
	sort.Strings(ext)
	if len(ext) > 0 {
		parts = append(parts, "ext="+strings.Join(ext, ","))
	}
	return strings.Join(parts, " ")
}

// makeCredential follows CTAP 2.1 §6.1.2 in the order that matters to a
// client: parameters, user verification, exclude list, extensions,
// capacity, user presence, then the new credential.
func (k *Key) makeCredential(params []byte, timeout time.Duration) (byte, []byte) {
	var r makeCredRequest
	if err := dec.Unmarshal(params, &r); err != nil {
		k.record("makeCredential unreadable")
		return statusInvalidCBOR, nil
	}
	k.record(r.describe())
	if len(r.CDH) != 32 || r.RP.ID == "" || len(r.User.ID) == 0 || len(r.User.ID) > 64 {
		return statusMissingParameter, nil
	}
	if !slices.ContainsFunc(r.Params, func(p struct {
		Alg  int    `cbor:"alg"`
		Type string `cbor:"type"`
	}) bool {
		return p.Alg == -7 && p.Type == "public-key"
	}) {
		return statusUnsupportedAlg, nil
	}
	if r.Options["uv"] || (hasOption(r.Options, "up") && !r.Options["up"]) {
		return statusInvalidOption, nil // no built-in UV; up=false is not for makeCredential
	}
	uv, status := k.verifyMakeCred(r)
	if status != statusOK {
		return status, nil
	}
	if len(r.Exclude) > k.opts.MaxCredCountInList {
		return statusLimitExceeded, nil
	}
	for _, e := range r.Exclude {
		if k.holds(r.RP.ID, e.ID) {
			// CTAP: wait for a touch so a remote caller cannot probe.
			if s := k.userPresence(timeout); s != statusOK {
				return s, nil
			}
			return statusCredentialExcluded, nil
		}
	}
	ext, status := k.extensionOutputs(r.Extensions)
	if status != statusOK {
		return status, nil
	}
	if r.Options["rk"] && !k.replaces(r.RP.ID, r.User.ID) && k.residents() >= k.opts.Capacity {
		return statusKeyStoreFull, nil
	}
	if s := k.userPresence(timeout); s != statusOK {
		return s, nil
	}
	return k.newCredential(r, uv, ext)
}

func hasOption(o map[string]bool, name string) bool { _, ok := o[name]; return ok }

// verifyMakeCred: a key with a PIN requires pinUvAuthParam = authenticate
// (token, clientDataHash) from a token allowed to make credentials.
func (k *Key) verifyMakeCred(r makeCredRequest) (bool, byte) {
	if r.PINAuth == nil {
		if k.pinHash != nil {
			return false, statusPINRequired
		}
		return false, statusOK
	}
	if r.Protocol != 1 {
		return false, statusInvalidParameter
	}
	if k.pinHash == nil {
		return false, statusPINNotSet
	}
	if s := k.verifyToken(*r.PINAuth, r.CDH, permMakeCredential, r.RP.ID); s != statusOK {
		return false, s
	}
	return true, statusOK
}

func (k *Key) holds(rpID string, id []byte) bool {
	return slices.ContainsFunc(k.creds, func(c *credential) bool { return c.rpID == rpID && bytes.Equal(c.id, id) })
}

func (k *Key) replaces(rpID string, userID []byte) bool {
	return slices.ContainsFunc(k.creds, func(c *credential) bool {
		return c.resident && c.rpID == rpID && bytes.Equal(c.userID, userID)
	})
}

// extensionOutputs applies credProtect and hmac-secret when the key has
// them; other extensions are ignored, as CTAP allows.
func (k *Key) extensionOutputs(in map[string]cbor.RawMessage) (map[string]any, byte) {
	out := map[string]any{}
	if raw, ok := in["credProtect"]; ok && !k.opts.NoCredProtect {
		var level int
		if dec.Unmarshal(raw, &level) != nil || level < 1 || level > 3 {
			return nil, statusInvalidParameter
		}
		out["credProtect"] = level
	}
	if raw, ok := in["hmac-secret"]; ok && !k.opts.NoHMACSecret {
		var on bool
		if dec.Unmarshal(raw, &on) != nil {
			return nil, statusInvalidParameter
		}
		if on {
			out["hmac-secret"] = true
		}
	}
	return out, statusOK
}

func (k *Key) newCredential(r makeCredRequest, uv bool, ext map[string]any) (byte, []byte) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return statusInvalidParameter, nil
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return statusInvalidParameter, nil
	}
	c := &credential{id: make([]byte, 32), rpID: r.RP.ID, userID: slices.Clone(r.User.ID), userName: r.User.Name,
		resident: r.Options["rk"], privateKey: der}
	if level, ok := ext["credProtect"].(int); ok {
		c.protect = level
	}
	_, _ = rand.Read(c.id)
	if c.resident {
		// A resident credential for the same user replaces the old one
		// (CTAP 2.1 §6.1.2 step 17): why clients must send the exclude list.
		k.creds = slices.DeleteFunc(k.creds, func(o *credential) bool {
			return o.resident && o.rpID == c.rpID && bytes.Equal(o.userID, c.userID)
		})
	}
	k.creds = append(k.creds, c)
	k.signCount++
	authData, err := k.authData(c, priv, uv, ext)
	if err != nil {
		return statusInvalidParameter, nil
	}
	fmtName, stmt, err := k.statement(priv, authData, r.CDH)
	if err != nil {
		return statusInvalidParameter, nil
	}
	return reply(map[int]any{1: fmtName, 2: authData, 3: cbor.RawMessage(stmt)})
}

func (k *Key) authData(c *credential, priv *ecdsa.PrivateKey, uv bool, ext map[string]any) ([]byte, error) {
	rpHash := sha256.Sum256([]byte(c.rpID))
	flags := byte(0x01 | 0x40) // UP, AT
	if uv {
		flags |= 0x04
	}
	if len(ext) > 0 {
		flags |= 0x80
	}
	raw, err := priv.PublicKey.Bytes()
	if err != nil {
		return nil, err
	}
	cose, err := enc.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:65]})
	if err != nil {
		return nil, err
	}
	out := append(rpHash[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.signCount)
	out = append(out, k.opts.AAGUID[:]...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(c.id)))
	out = append(append(out, c.id...), cose...)
	if len(ext) > 0 {
		e, err := enc.Marshal(ext)
		if err != nil {
			return nil, err
		}
		out = append(out, e...)
	}
	return out, nil
}

// statement signs authData || clientDataHash (WebAuthn §8.2).
func (k *Key) statement(cred *ecdsa.PrivateKey, authData, cdh []byte) (string, []byte, error) {
	if k.opts.Attestation == None {
		return "none", []byte{0xa0}, nil
	}
	digest := sha256.Sum256(append(slices.Clone(authData), cdh...))
	signer := k.chain.leafKey
	var x5c [][]byte
	if k.opts.Attestation == Packed {
		x5c = [][]byte{k.chain.leaf.Raw, k.chain.intermediate.Raw}
	} else {
		signer = cred
	}
	sig, err := ecdsa.SignASN1(rand.Reader, signer, digest[:])
	if err != nil {
		return "", nil, err
	}
	stmt, err := enc.Marshal(struct {
		Alg int      `cbor:"alg"`
		Sig []byte   `cbor:"sig"`
		X5c [][]byte `cbor:"x5c,omitempty"`
	}{-7, sig, x5c})
	return "packed", stmt, err
}
