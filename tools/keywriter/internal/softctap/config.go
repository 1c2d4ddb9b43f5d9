package softctap

import (
	"bytes"
	"fmt"
	"time"
)

type configRequest struct {
	Sub      int    `cbor:"1,keyasint"`
	Protocol int    `cbor:"3,keyasint"`
	Auth     []byte `cbor:"4,keyasint"`
}

type minPINParams struct {
	NewMin      int      `cbor:"1,keyasint"`
	RPIDs       []string `cbor:"2,keyasint"`
	ForceChange bool     `cbor:"3,keyasint"`
}

// config is authenticatorConfig (CTAP 2.1 §6.11); only setMinPINLength
// (0x03) is implemented.
func (k *Key) config(params []byte) (byte, []byte) {
	var r configRequest
	if err := dec.Unmarshal(params, &r); err != nil {
		k.record("authenticatorConfig unreadable")
		return statusInvalidCBOR, nil
	}
	raw := rawField(params, 2)
	var p minPINParams
	if len(raw) > 0 {
		if err := dec.Unmarshal(raw, &p); err != nil {
			return statusInvalidCBOR, nil
		}
	}
	k.record(fmt.Sprintf("authenticatorConfig setMinPINLength min=%d force=%v", p.NewMin, p.ForceChange))
	if r.Sub != 0x03 {
		return statusInvalidParameter, nil
	}
	if k.pinHash != nil {
		if r.Auth == nil {
			return statusPINRequired, nil
		}
		if r.Protocol != 1 {
			return statusInvalidParameter, nil
		}
		msg := append(append(bytes.Repeat([]byte{0xff}, 32), 0x0d, 0x03), raw...)
		if s := k.verifyToken(r.Auth, msg, permConfig, ""); s != statusOK {
			return s, nil
		}
	}
	switch {
	case p.NewMin != 0 && p.NewMin < k.minPIN:
		return statusPINPolicyViolation, nil // the minimum only grows until a reset
	case p.ForceChange && k.pinHash == nil:
		return statusPINNotSet, nil
	}
	if p.NewMin != 0 {
		k.minPIN = p.NewMin
	}
	if p.ForceChange || (k.pinHash != nil && k.pinLen < k.minPIN) {
		k.forceChange, k.token = true, nil
	}
	return statusOK, nil
}

// reset wipes credentials and PIN after a touch (CTAP 2.1 §6.6).
func (k *Key) reset(timeout time.Duration) (byte, []byte) {
	k.record("reset")
	if k.opts.ResetNeedsReplug && !k.resetWindow {
		return statusNotAllowed, nil
	}
	if s := k.userPresence(timeout); s != statusOK {
		return s, nil
	}
	k.creds, k.pinHash, k.pinLen, k.retries = nil, nil, 0, 8
	k.minPIN, k.forceChange, k.token = k.opts.MinPINLength, false, nil
	_ = k.newAgreementKey()
	return statusOK, nil
}
