package ceremony

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
)

// COSE algorithm identifiers the desk knows by name.
const (
	AlgES256 = -7
	AlgEdDSA = -8
	AlgES384 = -35
	AlgRS256 = -257
)

// Limits on what the options may carry.
const (
	// MaxUserID is CTAP's bound on a user handle (WebAuthn §5.4.3).
	MaxUserID = 64
	// maxChallenge bounds the challenge: Entra's are about 5 KB.
	maxChallenge = 32 << 10
	// maxRPID is a DNS name's length limit.
	maxRPID = 253
)

// Request is what the key is asked to make, read from the creation
// options of one pending message.
type Request struct {
	RPID, RPName string
	// UserID is the user handle; UserName and UserDisplayName label the
	// resident credential on the key.
	UserID                    []byte
	UserName, UserDisplayName string
	// Challenge is the decoded challenge; only its hash (through
	// clientDataJSON) reaches the key.
	Challenge []byte
	// Algorithms lists the COSE algorithms Entra accepts, preferred first.
	Algorithms []int
	// Exclude holds every reading of every excludeCredentials id: Entra
	// encodes them inconsistently, and excluding a reading that names no
	// credential costs nothing, while missing one lets the key overwrite
	// the user's earlier passkey (internal/credid).
	Exclude [][]byte
	// ResidentKey is requireResidentKey, or residentKey "required".
	ResidentKey bool
	// UserVerification is authenticatorSelection.userVerification.
	UserVerification string
	// CredProtect is the credProtect level asked for (0: none, 1..3).
	CredProtect        int
	EnforceCredProtect bool
	HMACSecret         bool
	// Expires is when Entra stops accepting the challenge: the earlier of
	// the message's challengeExpiresAt and the options'
	// challengeTimeoutDateTime.
	Expires time.Time
}

// Warnings are oddities worth a log line that do not stop the item.
type Warnings []string

// wireOptions is webauthnCredentialCreationOptions as Graph sends it.
// Unknown members are ignored: the options are Graph's, not ours, and a
// new member must not stop the desk.
type wireOptions struct {
	ChallengeTimeout *time.Time `json:"challengeTimeoutDateTime"`
	PublicKey        *struct {
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
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"excludeCredentials"`
		Selection struct {
			RequireResidentKey bool   `json:"requireResidentKey"`
			ResidentKey        string `json:"residentKey"`
			UserVerification   string `json:"userVerification"`
		} `json:"authenticatorSelection"`
		Extensions struct {
			HMACCreateSecret bool   `json:"hmacCreateSecret"`
			Enforce          bool   `json:"enforceCredentialProtectionPolicy"`
			Policy           string `json:"credentialProtectionPolicy"`
		} `json:"extensions"`
	} `json:"publicKey"`
}

// credProtectLevels maps WebAuthn's credentialProtectionPolicy to CTAP's
// credProtect values (CTAP 2.1 §12.1).
var credProtectLevels = map[string]int{
	"userVerificationOptional":                     1,
	"userVerificationOptionalWithCredentialIDList": 2,
	"userVerificationRequired":                     3,
}

// Parse reads a pending message's creation options. An item whose options
// cannot make a valid registration fails here, before a key is touched;
// oddities that do not matter come back as warnings.
func Parse(p fido2msg.Pending) (Request, Warnings, error) {
	w, err := unwrap(p.CreationOptions)
	if err != nil {
		return Request{}, nil, err
	}
	var warn Warnings
	pk := w.PublicKey
	r := Request{
		RPID: pk.RP.ID, RPName: pk.RP.Name, UserName: pk.User.Name, UserDisplayName: pk.User.DisplayName,
		ResidentKey:      pk.Selection.RequireResidentKey || pk.Selection.ResidentKey == "required",
		UserVerification: pk.Selection.UserVerification,
		HMACSecret:       pk.Extensions.HMACCreateSecret, EnforceCredProtect: pk.Extensions.Enforce,
		Expires: p.ChallengeExpiresAt,
	}
	if err := checkRPID(r.RPID); err != nil {
		return Request{}, nil, err
	}
	if r.Challenge, err = decodeValue(pk.Challenge); err != nil || len(r.Challenge) > maxChallenge {
		return Request{}, nil, fmt.Errorf("creation options: challenge is not base64url (or too long): %v", err)
	}
	if canon := base64.RawURLEncoding.EncodeToString(r.Challenge); canon != pk.Challenge {
		// python-fido2 and DSInternals send the canonical re-encoding too;
		// whether Entra accepts it for a non-canonical original is unknown.
		warn = append(warn, "challenge was not canonical base64url; clientDataJSON carries its canonical re-encoding")
	}
	if r.UserID, err = decodeValue(pk.User.ID); err != nil || len(r.UserID) > MaxUserID {
		return Request{}, nil, fmt.Errorf("creation options: user.id is not 1..%d bytes of base64url: %v", MaxUserID, err)
	}
	if r.UserName == "" {
		r.UserName = p.User.UPN
	}
	if r.UserName == "" || !utf8.ValidString(r.UserName) || !utf8.ValidString(r.UserDisplayName) || !utf8.ValidString(r.RPName) {
		return Request{}, nil, errors.New("creation options: user.name is missing or not text")
	}
	if p.User.UPN != "" && !strings.EqualFold(r.UserName, p.User.UPN) {
		warn = append(warn, "user.name in the options differs from the message's userPrincipalName")
	}
	if r.CredProtect, err = credProtect(pk.Extensions.Policy); err != nil {
		return Request{}, nil, err
	}
	for _, c := range pk.Params {
		if c.Type == "public-key" {
			r.Algorithms = append(r.Algorithms, c.Alg)
		}
	}
	if len(pk.Params) == 0 {
		r.Algorithms = []int{AlgES256, AlgRS256} // WebAuthn's default when the list is empty
	} else if len(r.Algorithms) == 0 {
		return Request{}, nil, errors.New("creation options: pubKeyCredParams names no public-key algorithm")
	}
	r.Exclude, warn = excludeList(pk.Exclude, warn)
	if t := w.ChallengeTimeout; t != nil && !t.IsZero() && (r.Expires.IsZero() || t.Before(r.Expires)) {
		r.Expires = *t
	}
	if r.Expires.IsZero() {
		return Request{}, nil, errors.New("creation options: no challenge expiry")
	}
	return r, warn, nil
}

// unwrap decodes the options, bare or wrapped in "value" (the beta
// documentation's example wraps them; real answers do not).
func unwrap(raw json.RawMessage) (wireOptions, error) {
	var w wireOptions
	if err := json.Unmarshal(raw, &w); err != nil {
		return w, fmt.Errorf("creation options: %w", err)
	}
	if w.PublicKey != nil {
		return w, nil
	}
	var wrapped struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &wrapped); err == nil && len(bytes.TrimSpace(wrapped.Value)) > 0 {
		if err := json.Unmarshal(wrapped.Value, &w); err == nil && w.PublicKey != nil {
			return w, nil
		}
	}
	return w, errors.New("creation options: no publicKey")
}

// checkRPID accepts a host name: the origin is "https://" + rp.id, so
// anything that would change the origin's meaning is refused.
func checkRPID(id string) error {
	if id == "" || len(id) > maxRPID {
		return errors.New("creation options: rp.id is missing or too long")
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
		if !ok {
			return fmt.Errorf("creation options: rp.id %q is not a host name", id)
		}
	}
	if strings.HasPrefix(id, ".") || strings.HasSuffix(id, ".") || strings.Contains(id, "..") {
		return fmt.Errorf("creation options: rp.id %q is not a host name", id)
	}
	return nil
}

func credProtect(policy string) (int, error) {
	if policy == "" {
		return 0, nil
	}
	level, ok := credProtectLevels[policy]
	if !ok {
		return 0, fmt.Errorf("creation options: unknown credentialProtectionPolicy %q", policy)
	}
	return level, nil
}

// decodeValue reads a challenge or user handle: base64url as Graph
// documents it, tolerating padding and the standard alphabet. Only if that
// fails is a trailing padding digit (ASP.NET UrlTokenEncode, seen on
// credential ids) tried: these values are documented as base64url, so the
// plain reading wins. internal/credid is not used here because it bounds
// its input to credential-id sizes and a challenge is about 7,000
// characters.
func decodeValue(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	body := strings.TrimRight(s, "=")
	if len(s)-len(body) > 2 || strings.ContainsAny(body, "-_") && strings.ContainsAny(body, "+/") {
		return nil, errors.New("not base64")
	}
	body = strings.NewReplacer("+", "-", "/", "_").Replace(body)
	b, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err == nil && len(b) > 0 {
		return b, nil
	}
	if n := len(body); n >= 2 && body[n-1] >= '0' && body[n-1] <= '2' && s == body {
		if b, err2 := base64.RawURLEncoding.Strict().DecodeString(body[:n-1]); err2 == nil && len(b) > 0 && (n-1+int(body[n-1]-'0'))%4 == 0 {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// excludeList decodes every excludeCredentials id into all its readings.
// An undecodable id only guards against a duplicate: it is dropped with a
// warning instead of failing the item.
func excludeList(in []struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}, warn Warnings) ([][]byte, Warnings) {
	var out [][]byte
	seen := map[string]bool{}
	for i, e := range in {
		if e.Type != "" && e.Type != "public-key" {
			continue
		}
		c := credid.Candidates(e.ID)
		if len(c) == 0 {
			warn = append(warn, fmt.Sprintf("excludeCredentials[%d] is not base64 and was left out", i))
		}
		for _, id := range c {
			if !seen[string(id)] {
				seen[string(id)] = true
				out = append(out, id)
			}
		}
	}
	return out, warn
}

// Expired reports whether the challenge expires within margin of now: a
// key written then would reach Entra too late.
func (r Request) Expired(now time.Time, margin time.Duration) bool {
	return !now.Add(margin).Before(r.Expires)
}
