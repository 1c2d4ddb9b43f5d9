package softkey

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// options is what the key reads from webauthnCredentialCreationOptions.
type options struct {
	RPID, RPName        string
	UserID              []byte
	UserName, UserLabel string
	Challenge           []byte
	Algs                []int
	ExcludeIDs          []string
	UserVerification    string
	ResidentKey         bool
	HMACSecret          bool
	CredProtect         int // 0: not asked for; 1..3 as in CTAP
	EnforceCredProtect  bool
}

type wireOptions struct {
	PublicKey *struct {
		RP struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"rp"`
		User struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			DisplayName string `json:"displayName"`
		} `json:"user"`
		Challenge string `json:"challenge"`
		Params    []struct {
			Type string `json:"type"`
			Alg  int    `json:"alg"`
		} `json:"pubKeyCredParams"`
		Exclude []struct {
			ID string `json:"id"`
		} `json:"excludeCredentials"`
		Selection struct {
			RequireResidentKey bool   `json:"requireResidentKey"`
			UserVerification   string `json:"userVerification"`
		} `json:"authenticatorSelection"`
		Extensions struct {
			HMACCreateSecret bool   `json:"hmacCreateSecret"`
			Enforce          bool   `json:"enforceCredentialProtectionPolicy"`
			Policy           string `json:"credentialProtectionPolicy"`
		} `json:"extensions"`
	} `json:"publicKey"`
}

// credProtectLevels maps WebAuthn's credentialProtectionPolicy names to the
// CTAP credProtect values (CTAP 2.1 §12.1).
var credProtectLevels = map[string]int{
	"userVerificationOptional":                     1,
	"userVerificationOptionalWithCredentialIDList": 2,
	"userVerificationRequired":                     3,
}

// parseOptions reads the options bare or wrapped in "value" (the beta
// documentation's example wraps them; real answers do not).
func parseOptions(raw []byte) (options, error) {
	return parseOptionsAt(raw, 0)
}

func parseOptionsAt(raw []byte, depth int) (options, error) {
	var w wireOptions
	if err := json.Unmarshal(raw, &w); err != nil {
		return options{}, fmt.Errorf("softkey: creation options: %w", err)
	}
	if w.PublicKey == nil && depth == 0 {
		var wrapped struct {
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(raw, &wrapped); err != nil || len(bytes.TrimSpace(wrapped.Value)) == 0 {
			return options{}, errors.New("softkey: creation options without publicKey")
		}
		return parseOptionsAt(wrapped.Value, 1)
	}
	if w.PublicKey == nil {
		return options{}, errors.New("softkey: creation options without publicKey")
	}
	return w.options()
}

func (w wireOptions) options() (options, error) {
	pk := w.PublicKey
	o := options{
		RPID: pk.RP.ID, RPName: pk.RP.Name, UserName: pk.User.Name, UserLabel: pk.User.DisplayName,
		UserVerification: pk.Selection.UserVerification, ResidentKey: pk.Selection.RequireResidentKey,
		HMACSecret: pk.Extensions.HMACCreateSecret, EnforceCredProtect: pk.Extensions.Enforce,
	}
	if o.RPID == "" {
		return o, errors.New("softkey: creation options without rp.id")
	}
	var err error
	if o.Challenge, err = unpadded(pk.Challenge); err != nil {
		return o, fmt.Errorf("softkey: challenge: %w", err)
	}
	if o.UserID, err = unpadded(pk.User.ID); err != nil || len(o.UserID) > 64 {
		return o, fmt.Errorf("softkey: user.id is not 1-64 bytes of base64url: %v", err)
	}
	if p := pk.Extensions.Policy; p != "" {
		if o.CredProtect = credProtectLevels[p]; o.CredProtect == 0 {
			return o, fmt.Errorf("softkey: unknown credentialProtectionPolicy %q", p)
		}
	}
	for _, p := range pk.Params {
		if p.Type == "public-key" {
			o.Algs = append(o.Algs, p.Alg)
		}
	}
	for _, e := range pk.Exclude {
		o.ExcludeIDs = append(o.ExcludeIDs, e.ID)
	}
	return o, nil
}

// unpadded decodes base64url, tolerating padding as python-fido2 does.
func unpadded(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err == nil && len(b) == 0 {
		err = errors.New("empty")
	}
	return b, err
}
