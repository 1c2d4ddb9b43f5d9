package ceremony

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
)

const rpID = "login.microsoft.com"

var (
	expiry    = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	handle    = []byte("OF:0123456789abcdef0123456789abcdef0123456789abcdef")
	challenge = []byte("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.a2V5d3JpdGVy.aXY.Y2lwaGVy.dGFn")
)

// graphOptions is shaped like Graph's beta answer (graph-api.md §5.2),
// with edits applied to publicKey.
func graphOptions(edit func(pk map[string]any)) json.RawMessage {
	pk := map[string]any{
		"rp":                 map[string]any{"id": rpID, "name": "Microsoft"},
		"user":               map[string]any{"id": base64.RawURLEncoding.EncodeToString(handle), "name": "nora@contoso.example", "displayName": "Nora New"},
		"challenge":          base64.RawURLEncoding.EncodeToString(challenge),
		"pubKeyCredParams":   []map[string]any{{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}},
		"timeout":            60000,
		"excludeCredentials": []map[string]any{},
		"authenticatorSelection": map[string]any{
			"authenticatorAttachment": "cross-platform", "requireResidentKey": true, "userVerification": "required"},
		"attestation": "direct",
		"extensions": map[string]any{"hmacCreateSecret": true, "enforceCredentialProtectionPolicy": true,
			"credentialProtectionPolicy": "userVerificationOptional"},
	}
	if edit != nil {
		edit(pk)
	}
	b, err := json.Marshal(map[string]any{
		"@odata.context":           "https://graph.microsoft.com/beta/$metadata#microsoft.graph.webauthnCredentialCreationOptions",
		"challengeTimeoutDateTime": expiry.Format(time.RFC3339),
		"publicKey":                pk,
	})
	if err != nil {
		panic(err)
	}
	return b
}

func pending(opts json.RawMessage) fido2msg.Pending {
	return fido2msg.NewPending(fido2msg.Pending{
		JobID: "6f1d8a52-2c1e-4e8e-9a59-0a4c1e0b9d11", Index: 3,
		User:            fido2msg.PendingUser{ID: "0b7e7f5e-7d1a-4bde-8f61-8f0a3a3b0c01", UPN: "nora@contoso.example", DisplayName: "Nora New"},
		CreationOptions: opts, ChallengeExpiresAt: expiry.Add(time.Minute), IssuedAt: expiry.Add(-time.Hour),
	})
}

func TestParseGraphOptions(t *testing.T) {
	first, second := bytes.Repeat([]byte{0xfb}, 32), bytes.Repeat([]byte{0x3e}, 16)
	opts := graphOptions(func(pk map[string]any) {
		pk["excludeCredentials"] = []map[string]any{
			{"type": "public-key", "id": base64.StdEncoding.EncodeToString(first), "transports": []string{"usb"}},
			{"type": "public-key", "id": credid.MethodID(second), "transports": []string{}},
		}
	})
	r, warn, err := Parse(pending(opts))
	if err != nil || len(warn) != 0 {
		t.Fatalf("Parse: %v %v", err, warn)
	}
	if r.RPID != rpID || r.RPName != "Microsoft" || !bytes.Equal(r.UserID, handle) || r.UserName != "nora@contoso.example" ||
		r.UserDisplayName != "Nora New" || !bytes.Equal(r.Challenge, challenge) {
		t.Errorf("identity: %+v", r)
	}
	if !r.ResidentKey || r.UserVerification != "required" || r.CredProtect != 1 || !r.EnforceCredProtect || !r.HMACSecret {
		t.Errorf("selection/extensions: %+v", r)
	}
	if len(r.Algorithms) != 2 || r.Algorithms[0] != AlgES256 || r.Algorithms[1] != AlgRS256 {
		t.Errorf("algorithms %v", r.Algorithms)
	}
	// The earlier of the two expiries wins.
	if !r.Expires.Equal(expiry) {
		t.Errorf("expires %s, want %s", r.Expires, expiry)
	}
	if !containsID(r.Exclude, first) || !containsID(r.Exclude, second) {
		t.Errorf("exclude list %x misses an id in Entra's encodings", r.Exclude)
	}
}

func containsID(list [][]byte, id []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, id) {
			return true
		}
	}
	return false
}

// Every reading of an ambiguous id is excluded: leaving one out would let
// the key overwrite the user's resident credential.
func TestExcludeKeepsEveryReading(t *testing.T) {
	var ambiguous string
	for i := 0; ambiguous == ""; i++ {
		id := []byte{byte(i), byte(i >> 8), 7, 9, 11}
		if s := credid.MethodID(id); len(credid.Candidates(s)) == 2 {
			ambiguous = s
		}
	}
	r, _, err := Parse(pending(graphOptions(func(pk map[string]any) {
		pk["excludeCredentials"] = []map[string]any{{"type": "public-key", "id": ambiguous}, {"type": "public-key", "id": "%%%"}}
	})))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Exclude) != 2 {
		t.Errorf("exclude %x: want both readings of %s", r.Exclude, ambiguous)
	}
}

func TestParseWarnings(t *testing.T) {
	p := pending(graphOptions(func(pk map[string]any) {
		pk["challenge"] = base64.StdEncoding.EncodeToString(challenge) // padded, standard alphabet
		pk["user"].(map[string]any)["name"] = "someone.else@contoso.example"
		pk["excludeCredentials"] = []map[string]any{{"type": "public-key", "id": "not base64!"}}
	}))
	r, warn, err := Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Challenge, challenge) || len(warn) != 3 {
		t.Errorf("challenge %q, warnings %q", r.Challenge, warn)
	}
	for _, w := range warn {
		if strings.Contains(w, string(challenge)) || strings.Contains(w, "someone.else") {
			t.Errorf("a warning repeats a value: %q", w)
		}
	}
}

func TestParseWrappedAndDefaults(t *testing.T) {
	inner := graphOptions(func(pk map[string]any) {
		delete(pk, "pubKeyCredParams")
		delete(pk, "extensions")
		pk["authenticatorSelection"] = map[string]any{"residentKey": "required"}
		pk["user"].(map[string]any)["name"] = ""
	})
	p := pending(json.RawMessage(`{"value":` + string(inner) + `}`))
	r, _, err := Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	if !r.ResidentKey || r.CredProtect != 0 || r.HMACSecret || len(r.Algorithms) != 2 || r.UserName != p.User.UPN {
		t.Errorf("defaults: %+v", r)
	}
}

func TestParseRefuses(t *testing.T) {
	for name, edit := range map[string]func(pk map[string]any){
		"rp.id with a path":      func(pk map[string]any) { pk["rp"] = map[string]any{"id": "login.microsoft.com/evil"} },
		"rp.id with a port":      func(pk map[string]any) { pk["rp"] = map[string]any{"id": "login.microsoft.com:443"} },
		"no rp.id":               func(pk map[string]any) { pk["rp"] = map[string]any{} },
		"empty challenge":        func(pk map[string]any) { pk["challenge"] = "" },
		"challenge not base64":   func(pk map[string]any) { pk["challenge"] = "not*base64" },
		"user.id too long":       func(pk map[string]any) { pk["user"].(map[string]any)["id"] = strings.Repeat("A", 88) },
		"no user.id":             func(pk map[string]any) { delete(pk["user"].(map[string]any), "id") },
		"unknown credProtect":    func(pk map[string]any) { pk["extensions"] = map[string]any{"credentialProtectionPolicy": "always"} },
		"no public-key params":   func(pk map[string]any) { pk["pubKeyCredParams"] = []map[string]any{{"type": "other", "alg": -7}} },
		"user.name not a string": func(pk map[string]any) { pk["user"].(map[string]any)["name"] = 7 },
	} {
		t.Run(name, func(t *testing.T) {
			if r, _, err := Parse(pending(graphOptions(edit))); err == nil {
				t.Errorf("accepted %+v", r)
			}
		})
	}
	for name, raw := range map[string]string{"no publicKey": `{"challengeTimeoutDateTime":"2026-05-01T10:00:00Z"}`,
		"not JSON": `{`, "wrapped twice": `{"value":{"value":{}}}`} {
		if _, _, err := Parse(pending(json.RawMessage(raw))); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestExpired(t *testing.T) {
	r := Request{Expires: expiry}
	if r.Expired(expiry.Add(-3*time.Minute), 2*time.Minute) {
		t.Error("3 minutes left with a 2 minute margin counted as expired")
	}
	if !r.Expired(expiry.Add(-time.Minute), 2*time.Minute) || !r.Expired(expiry, 0) {
		t.Error("inside the margin not counted as expired")
	}
}
