package graphdouble

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A tiny CBOR encoder and software "authenticator" for registration tests.

func cborHead(major byte, n int) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n < 256:
		return []byte{major<<5 | 24, byte(n)}
	default:
		return []byte{major<<5 | 25, byte(n >> 8), byte(n)}
	}
}

func cborText(s string) []byte  { return append(cborHead(3, len(s)), s...) }
func cborBytes(b []byte) []byte { return append(cborHead(2, len(b)), b...) }
func cborInt(n int) []byte {
	if n < 0 {
		return cborHead(1, -1-n)
	}
	return cborHead(0, n)
}

// cborMapOf encodes key/value pairs already encoded.
func cborMapOf(kv ...[]byte) []byte {
	out := cborHead(5, len(kv)/2)
	for _, x := range kv {
		out = append(out, x...)
	}
	return out
}

type credential struct {
	rpID    string
	fmt     string
	aaguid  [16]byte
	credID  []byte
	x5c     bool
	altCred []byte // claimed id, when it should differ from the attested one
}

func newCredential(rpID string) *credential {
	c := &credential{rpID: rpID, fmt: "packed", credID: make([]byte, 32)}
	_, _ = rand.Read(c.credID)
	copy(c.aaguid[:], []byte{0xcb, 0x69, 0x48, 0x1e, 0x8f, 0xf7, 0x40, 0x39, 0x93, 0xec, 0x0a, 0x27, 0x29, 0xa1, 0x54, 0xa8})
	return c
}

func (c *credential) attestationObject() []byte {
	rp := sha256.Sum256([]byte(c.rpID))
	auth := append([]byte{}, rp[:]...)
	auth = append(auth, 0x45, 0, 0, 0, 1) // UP|UV|AT, signCount 1
	auth = append(auth, c.aaguid[:]...)
	auth = append(auth, byte(len(c.credID)>>8), byte(len(c.credID)))
	auth = append(auth, c.credID...)
	auth = append(auth, cborMapOf(cborInt(1), cborInt(2), cborInt(3), cborInt(-7))...) // COSE key stub
	stmt := cborMapOf()
	if c.fmt == "packed" {
		stmt = cborMapOf(cborText("alg"), cborInt(-7), cborText("sig"), cborBytes([]byte{1, 2, 3}))
		if c.x5c {
			stmt = cborMapOf(cborText("alg"), cborInt(-7), cborText("sig"), cborBytes([]byte{1}),
				cborText("x5c"), append(cborHead(4, 1), cborBytes([]byte{0x30, 0x01})...))
		}
	}
	return cborMapOf(cborText("fmt"), cborText(c.fmt), cborText("attStmt"), stmt, cborText("authData"), cborBytes(auth))
}

// body builds the POST body for a challenge and origin.
func (c *credential) body(challenge, origin string) map[string]any {
	cd, _ := json.Marshal(map[string]any{"type": "webauthn.create", "challenge": challenge, "origin": origin, "crossOrigin": false})
	id := c.credID
	if c.altCred != nil {
		id = c.altCred
	}
	b64 := base64.RawURLEncoding.EncodeToString
	return map[string]any{
		"displayName": "Serial 12345678",
		"publicKeyCredential": map[string]any{
			"id": b64(id),
			"response": map[string]any{
				"clientDataJSON": b64(cd), "attestationObject": b64(c.attestationObject()),
			},
			"clientExtensionResults": map[string]any{"credProtect": 1, "hmac-secret": true},
		},
	}
}

func challengeOf(r response) string {
	return r.body["publicKey"].(map[string]any)["challenge"].(string)
}

func TestCreationOptionsV1AndBeta(t *testing.T) {
	clock := newTestClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	f := newFixture(t, Options{Now: clock.Now})
	v1 := f.expect(f.do("GET", "/v1.0/users/"+noraID+"/authentication/fido2Methods/creationOptions", nil), 200)
	if v1.str("challengeTimeoutDateTime") != "2026-05-01T09:05:00.0000000Z" {
		t.Errorf("v1 expiry %s", v1.raw)
	}
	pk := v1.body["publicKey"].(map[string]any)
	if pk["rp"].(map[string]any)["id"] != "login.microsoft.com" || pk["user"].(map[string]any)["name"] != "nora.new@contoso.example" {
		t.Errorf("options: %s", v1.raw)
	}
	base := "/beta/users/" + noraID + "/authentication/fido2Methods/"
	for path, want := range map[string]string{
		"creationOptions(challengeTimeoutInMinutes=60)":                                                      "2026-05-01T10:00:00.0000000Z",
		"creationOptions(challengeTimeoutInMinutes=@t)?@t=120":                                               "2026-05-01T11:00:00.0000000Z",
		"creationOptions(challengeTimeoutInMinutes=@challengeTimeoutInMinutes)?challengeTimeoutInMinutes=30": "2026-05-01T09:30:00.0000000Z",
		"creationOptions?challengeTimeoutInMinutes=43200":                                                    "2026-05-31T09:00:00.0000000Z",
		"creationOptions": "2026-05-01T09:05:00.0000000Z",
	} {
		if got := f.expect(f.do("GET", base+path, nil), 200).str("challengeTimeoutDateTime"); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	f.expect(f.do("GET", base+"creationOptions(challengeTimeoutInMinutes=4)", nil), 400)
	f.expect(f.do("GET", base+"creationOptions?challengeTimeoutInMinutes=43201", nil), 400)
	f.expect(f.do("GET", base+"somethingElse", nil), 400)
}

func TestFido2RegistrationHappyPath(t *testing.T) {
	f := newFixture(t, Options{})
	opts := f.expect(f.do("GET", "/beta/users/"+noraID+"/authentication/fido2Methods/creationOptions(challengeTimeoutInMinutes=60)", nil), 200)
	cred := newCredential("login.microsoft.com")
	r := f.expect(f.do("POST", "/beta/users/nora.new@contoso.example/authentication/fido2Methods",
		cred.body(challengeOf(opts), "https://login.microsoft.com")), 201)
	if r.str("id") != urlTokenEncode(cred.credID) || !strings.HasSuffix(r.str("id"), "1") ||
		r.str("aaGuid") != "cb69481e-8ff7-4039-93ec-0a2729a154a8" || r.str("attestationLevel") != "notAttested" ||
		r.str("displayName") != "Serial 12345678" {
		t.Errorf("created: %s", r.raw)
	}
	regs := f.d.Snapshot().FIDO2Registrations
	if len(regs) != 1 || regs[0].MethodID != r.str("id") || !regs[0].Beta || regs[0].ClientExtensionResults["credProtect"] == nil {
		t.Errorf("registrations: %+v", regs)
	}
	// The same challenge cannot be used twice; the key now appears in excludeCredentials.
	f.expect(f.do("POST", "/beta/users/"+noraID+"/authentication/fido2Methods",
		newCredential("login.microsoft.com").body(challengeOf(opts), "https://login.microsoft.com")), 400)
	again := f.expect(f.do("GET", "/v1.0/users/"+noraID+"/authentication/fido2Methods/creationOptions", nil), 200)
	ex := again.body["publicKey"].(map[string]any)["excludeCredentials"].([]any)
	if len(ex) != 1 || ex[0].(map[string]any)["id"] != base64.StdEncoding.EncodeToString(cred.credID) {
		t.Errorf("excludeCredentials: %v", ex)
	}
	f.expect(f.do("POST", "/v1.0/users/"+noraID+"/authentication/fido2Methods",
		cred.body(challengeOf(again), "https://login.microsoft.com")), 400) // same credential again
	f.expect(f.do("GET", "/v1.0/users/"+noraID+"/authentication/fido2Methods/"+url.PathEscape(r.str("id")), nil), 200)
}

func TestFido2RegistrationRefusals(t *testing.T) {
	clock := newTestClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	f := newFixture(t, Options{Now: clock.Now})
	post := func(user string, body map[string]any) response {
		return f.do("POST", "/v1.0/users/"+user+"/authentication/fido2Methods", body)
	}
	fresh := func(user string) string {
		return challengeOf(f.expect(f.do("GET", "/v1.0/users/"+user+"/authentication/fido2Methods/creationOptions", nil), 200))
	}
	origin := "https://login.microsoft.com"
	cases := map[string]func() map[string]any{
		"wrong origin": func() map[string]any {
			return newCredential("login.microsoft.com").body(fresh(noraID), "https://login.microsoftonline.com")
		},
		"other user's":      func() map[string]any { return newCredential("login.microsoft.com").body(fresh(samID), origin) },
		"unknown challenge": func() map[string]any { return newCredential("login.microsoft.com").body("bm9wZQ", origin) },
		"wrong rp hash":     func() map[string]any { return newCredential("example.com").body(fresh(noraID), origin) },
		"tpm format": func() map[string]any {
			c := newCredential("login.microsoft.com")
			c.fmt = "tpm"
			return c.body(fresh(noraID), origin)
		},
		"credential id mismatch": func() map[string]any {
			c := newCredential("login.microsoft.com")
			c.altCred = []byte("other")
			return c.body(fresh(noraID), origin)
		},
		"expired": func() map[string]any {
			ch := fresh(noraID)
			clock.Advance(6 * time.Minute)
			return newCredential("login.microsoft.com").body(ch, origin)
		},
		"padded base64 garbage": func() map[string]any {
			b := newCredential("login.microsoft.com").body(fresh(noraID), origin)
			b["publicKeyCredential"].(map[string]any)["id"] = "!!!"
			return b
		},
		"unknown property": func() map[string]any {
			b := newCredential("login.microsoft.com").body(fresh(noraID), origin)
			b["displayname"] = "x"
			return b
		},
	}
	for name, body := range cases {
		if r := post(noraID, body()); r.status != 400 {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	if n := len(f.d.Snapshot().FIDO2Registrations); n != 0 {
		t.Errorf("%d refused registrations recorded", n)
	}
}

func TestFido2Verifier(t *testing.T) {
	f := newFixture(t, Options{})
	var seen FIDO2Registration
	f.d.SetFIDO2Verifier(func(reg FIDO2Registration) (FIDO2Verdict, error) {
		seen = reg
		if strings.Contains(reg.DisplayName, "bad") {
			return FIDO2Verdict{}, errors.New("The attestation statement signature is invalid.")
		}
		return FIDO2Verdict{Model: "YubiKey 5 Series", AttestationLevel: "attested", AttestationCertificates: []string{"abc"}}, nil
	})
	ch := challengeOf(f.expect(f.do("GET", "/v1.0/users/"+noraID+"/authentication/fido2Methods/creationOptions", nil), 200))
	bad := newCredential("login.microsoft.com").body(ch, "https://login.microsoft.com")
	bad["displayName"] = "bad key"
	f.expect(f.do("POST", "/v1.0/users/"+noraID+"/authentication/fido2Methods", bad), 400)
	ch = challengeOf(f.expect(f.do("GET", "/v1.0/users/"+noraID+"/authentication/fido2Methods/creationOptions", nil), 200))
	c := newCredential("login.microsoft.com")
	c.x5c = true
	r := f.expect(f.do("POST", "/v1.0/users/"+noraID+"/authentication/fido2Methods", c.body(ch, "https://login.microsoft.com")), 201)
	if r.str("model") != "YubiKey 5 Series" || r.str("attestationLevel") != "attested" || r.str("passkeyType") != "deviceBound" ||
		len(seen.AttestationObject) == 0 || !strings.Contains(string(seen.ClientDataJSON), "webauthn.create") {
		t.Errorf("verified: %s", r.raw)
	}
}

func TestCBORRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, {0x5f}, {0x58}, {0x82, 0x01}, {0xa1, 0x41, 0x00, 0x01}, {0xf9, 0, 0}} {
		if _, _, err := decodeCBOR(b); err == nil {
			t.Errorf("% x decoded", b)
		}
	}
}
