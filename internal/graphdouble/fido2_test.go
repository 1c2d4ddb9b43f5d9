package graphdouble

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/softkey"
)

const (
	rpID   = "login.microsoft.com"
	v1Opts = "/v1.0/users/" + noraID + "/authentication/fido2Methods/creationOptions"
	v1Post = "/v1.0/users/" + noraID + "/authentication/fido2Methods"
	btOpts = "/beta/users/" + noraID + "/authentication/fido2Methods/"
	btPost = "/beta/users/" + noraID + "/authentication/fido2Methods"
)

func publicKey(r response) map[string]any { return r.body["publicKey"].(map[string]any) }

func challengeOf(r response) string { return publicKey(r)["challenge"].(string) }

func excludeIDs(r response) []string {
	var out []string
	for _, e := range publicKey(r)["excludeCredentials"].([]any) {
		out = append(out, e.(map[string]any)["id"].(string))
	}
	return out
}

// register gets options at optsPath, makes a credential and posts it.
func (f *fixture) register(k *softkey.Key, optsPath, postPath, name string, faults ...softkey.Fault) (softkey.Credential, response) {
	f.t.Helper()
	opts := f.expect(f.do("GET", optsPath, nil), 200)
	cred, err := k.Register(opts.raw, faults...)
	if err != nil {
		f.t.Fatal(err)
	}
	return cred, f.do("POST", postPath, cred.GraphBody(name))
}

func TestCreationOptionsForms(t *testing.T) {
	clk := clock.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	f := newFido2Fixture(t, Options{Now: clk.Now})
	v1 := f.expect(f.do("GET", v1Opts, nil), 200)
	if v1.str("challengeTimeoutDateTime") != "2026-05-01T09:05:00Z" || v1.body["value"] != nil {
		t.Errorf("v1.0 options: %.300s", v1.raw)
	}
	// v1.0 has no parameter: the query option beta honours changes nothing.
	if got := f.expect(f.do("GET", v1Opts+"?challengeTimeoutInMinutes=60", nil), 200).str("challengeTimeoutDateTime"); got != "2026-05-01T09:05:00Z" {
		t.Errorf("v1.0 with a timeout: %s", got)
	}
	for fn, want := range map[string]string{
		"creationOptions(challengeTimeoutInMinutes=60)":                                                      "2026-05-01T10:00:00Z",
		"creationOptions(challengeTimeoutInMinutes=@t)?@t=120":                                               "2026-05-01T11:00:00Z",
		"creationOptions(challengeTimeoutInMinutes=@challengeTimeoutInMinutes)?challengeTimeoutInMinutes=30": "2026-05-01T09:30:00Z",
		"creationOptions?challengeTimeoutInMinutes=43200":                                                    "2026-05-31T09:00:00Z",
		"creationOptions()": "2026-05-01T09:05:00Z",
		"creationOptions":   "2026-05-01T09:05:00Z",
	} {
		if got := f.expect(f.do("GET", btOpts+fn, nil), 200).str("challengeTimeoutDateTime"); got != want {
			t.Errorf("%s: %s, want %s", fn, got, want)
		}
	}
	for _, fn := range []string{"creationOptions(challengeTimeoutInMinutes=4)", "creationOptions?challengeTimeoutInMinutes=43201",
		"creationOptions(challengeTimeoutInMinutes=sixty)", "somethingElse"} {
		f.expect(f.do("GET", btOpts+fn, nil), 400)
	}
	f.expect(f.do("GET", "/v1.0/users/nobody@contoso.example/authentication/fido2Methods/creationOptions", nil), 404)
}

// The options are shaped like the 2024 capture: rp, a stable 51-byte user
// handle, a fresh opaque challenge, ES256/RS256, credProtect 1 enforced.
func TestCreationOptionsContent(t *testing.T) {
	f := newFido2Fixture(t, Options{FIDO2: FIDO2Options{RPID: "login.microsoftonline.com"}})
	a, b := f.expect(f.do("GET", v1Opts, nil), 200), f.expect(f.do("GET", btOpts+"creationOptions", nil), 200)
	pk := publicKey(a)
	user := pk["user"].(map[string]any)
	handle, err := base64.RawURLEncoding.DecodeString(user["id"].(string))
	if err != nil || len(handle) != 51 || !bytes.HasPrefix(handle, []byte("OF:")) || user["id"] != publicKey(b)["user"].(map[string]any)["id"] {
		t.Errorf("user handle %q %v", handle, err)
	}
	if user["name"] != "nora.new@contoso.example" || user["displayName"] != "Nora New" || pk["rp"].(map[string]any)["id"] != "login.microsoftonline.com" {
		t.Errorf("user/rp: %v %v", user, pk["rp"])
	}
	if challengeOf(a) == challengeOf(b) || len(challengeOf(a)) < 5000 {
		t.Errorf("challenges: %d and %d characters, equal %v", len(challengeOf(a)), len(challengeOf(b)), challengeOf(a) == challengeOf(b))
	}
	ext := pk["extensions"].(map[string]any)
	if ext["credentialProtectionPolicy"] != "userVerificationOptional" || ext["enforceCredentialProtectionPolicy"] != true ||
		pk["authenticatorSelection"].(map[string]any)["userVerification"] != "required" || len(excludeIDs(a)) != 0 {
		t.Errorf("options: %v", pk)
	}
}

func TestFido2RegistrationAccepted(t *testing.T) {
	clk := clock.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	f := newFido2Fixture(t, Options{Now: clk.Now, FIDO2: FIDO2Options{Models: map[string]string{formatAAGUID(softkey.DefaultAAGUID[:]): "Soft Key"}}})
	key := newSoftkey(t, softkey.Options{})
	cred, r := f.register(key, v1Opts, v1Post, strings.Repeat("k", 30))
	f.expect(r, 201)
	if r.str("id") != credid.MethodID(cred.ID) || !strings.HasSuffix(r.str("id"), "1") || r.str("displayName") != strings.Repeat("k", 30) ||
		r.str("aaGuid") != formatAAGUID(softkey.DefaultAAGUID[:]) || r.str("model") != "Soft Key" || r.str("attestationLevel") != "attested" ||
		r.str("passkeyType") != "deviceBound" || r.str("createdDateTime") != "2026-05-01T09:00:00.0000000Z" {
		t.Errorf("created: %s", r.raw)
	}
	if certs, _ := r.body["attestationCertificates"].([]any); len(certs) != 1 || len(certs[0].(string)) != 40 {
		t.Errorf("attestationCertificates %v", r.body["attestationCertificates"])
	}
	f.expect(f.do("GET", v1Post+"/"+url.PathEscape(r.str("id")), nil), 200)

	self, rb := f.register(newSoftkey(t, softkey.Options{Attestation: softkey.SelfAttested}), btOpts+"creationOptions(challengeTimeoutInMinutes=60)", btPost, "")
	f.expect(rb, 201)
	if rb.str("attestationLevel") != "notAttested" || rb.body["passkeyType"] != nil || rb.body["displayName"] != nil {
		t.Errorf("beta, self attestation, no name: %s", rb.raw)
	}
	_, rn := f.register(newSoftkey(t, softkey.Options{Attestation: softkey.NoAttestation}), v1Opts, v1Post, "None")
	if f.expect(rn, 201).str("attestationLevel") != "notAttested" {
		t.Errorf("none: %s", rn.raw)
	}
	regs := f.d.FIDO2Registrations()
	if len(regs) != 3 || regs[0].Beta || !regs[1].Beta || !bytes.Equal(regs[1].CredentialID, self.ID) || regs[0].ClientExtensionResults["hmacCreateSecret"] != true {
		t.Errorf("registrations: %+v", regs)
	}
}

// excludeCredentials lists the user's passkeys in both encodings Entra
// uses; a key holding one of them refuses, and a deleted one drops out.
func TestExcludeCredentialsAfterRegistrations(t *testing.T) {
	f := newFido2Fixture(t, Options{})
	var creds []softkey.Credential
	keys := []*softkey.Key{newSoftkey(t, softkey.Options{}), newSoftkey(t, softkey.Options{CredentialIDLength: 48}), newSoftkey(t, softkey.Options{CredentialIDLength: 64})}
	var methodIDs []string
	for _, k := range keys {
		c, r := f.register(k, v1Opts, v1Post, "Key")
		creds, methodIDs = append(creds, c), append(methodIDs, f.expect(r, 201).str("id"))
	}
	opts := f.expect(f.do("GET", v1Opts, nil), 200)
	ids := excludeIDs(opts)
	if len(ids) != 3 || ids[0] != base64.StdEncoding.EncodeToString(creds[0].ID) || ids[1] != credid.MethodID(creds[1].ID) ||
		ids[2] != base64.StdEncoding.EncodeToString(creds[2].ID) {
		t.Fatalf("excludeCredentials %v", ids)
	}
	for i, k := range keys {
		if _, err := k.Register(opts.raw); !errors.Is(err, softkey.ErrCredentialExcluded) {
			t.Errorf("key %d: %v", i, err)
		}
	}
	f.expect(f.do("DELETE", v1Post+"/"+methodIDs[1], nil), 204)
	if ids := excludeIDs(f.expect(f.do("GET", v1Opts, nil), 200)); len(ids) != 2 || !credid.Matches(ids[1], creds[2].ID) {
		t.Errorf("after delete: %v", ids)
	}
}

func TestFido2RegistrationRefusals(t *testing.T) {
	clk := clock.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	f := newFido2Fixture(t, Options{Now: clk.Now})
	bodyWith := func(faults ...softkey.Fault) map[string]any {
		c, err := newSoftkey(t, softkey.Options{}).Register(f.expect(f.do("GET", v1Opts, nil), 200).raw, faults...)
		if err != nil {
			t.Fatal(err)
		}
		return c.GraphBody("Key")
	}
	edit := func(b map[string]any, path string, v any) map[string]any {
		m := b["publicKeyCredential"].(map[string]any)
		if resp, ok := strings.CutPrefix(path, "response."); ok {
			m = m["response"].(map[string]any)
			path = resp
		}
		m[path] = v
		return b
	}
	for name, tc := range map[string]struct {
		body func() map[string]any
		want string
	}{
		"wrong challenge": {func() map[string]any { return bodyWith(softkey.WrongChallenge) }, "not issued"},
		"wrong origin":    {func() map[string]any { return bodyWith(softkey.WrongOrigin) }, "origin"},
		"wrong rp hash":   {func() map[string]any { return bodyWith(softkey.WrongRPIDHash) }, "RP Hash mismatch"},
		"no UV":           {func() map[string]any { return bodyWith(softkey.NoUV) }, "User verification required"},
		"bad signature":   {func() map[string]any { return bodyWith(softkey.BadSignature) }, "Signature validation"},
		"no credProtect":  {func() map[string]any { return bodyWith(softkey.NoCredProtect) }, "credential protection"},
		"another user's challenge": {func() map[string]any {
			c, err := newSoftkey(t, softkey.Options{}).Register(f.expect(f.do("GET", "/v1.0/users/"+samID+"/authentication/fido2Methods/creationOptions", nil), 200).raw)
			if err != nil {
				t.Fatal(err)
			}
			return c.GraphBody("Key")
		}, "another user"},
		"expired challenge": {func() map[string]any {
			b := bodyWith()
			clk.Advance(5 * time.Minute)
			return b
		}, "expired"},
		"padded id": {func() map[string]any {
			b := bodyWith()
			id := b["publicKeyCredential"].(map[string]any)["id"].(string)
			return edit(b, "id", base64.URLEncoding.EncodeToString(mustB64(t, id)))
		}, "without padding"},
		"standard base64 id": {func() map[string]any {
			b := bodyWith()
			id := b["publicKeyCredential"].(map[string]any)["id"].(string)
			return edit(b, "id", base64.StdEncoding.EncodeToString(mustB64(t, id)))
		}, "without padding"},
		"standard alphabet attestationObject": {func() map[string]any {
			b := bodyWith()
			ao := b["publicKeyCredential"].(map[string]any)["response"].(map[string]any)["attestationObject"].(string)
			return edit(b, "response.attestationObject", strings.NewReplacer("-", "+", "_", "/").Replace(ao))
		}, "without padding"},
		"no attestationObject": {func() map[string]any { return edit(bodyWith(), "response.attestationObject", "") }, "attestationObject"},
		"id of another credential": {func() map[string]any {
			return edit(bodyWith(), "id", base64.RawURLEncoding.EncodeToString([]byte("another credential")))
		}, "credential id"},
		"tpm format":       {func() map[string]any { return withFormat(t, bodyWith(), "tpm") }, "'packed' or 'none'"},
		"name of 31":       {func() map[string]any { b := bodyWith(); b["displayName"] = strings.Repeat("x", 31); return b }, "at most 30"},
		"unknown property": {func() map[string]any { b := bodyWith(); b["displayname"] = "x"; return b }, "displayname"},
	} {
		r := f.do("POST", v1Post, tc.body())
		if r.status != 400 || !strings.Contains(r.errorMessage(), tc.want) {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	if n := len(f.d.FIDO2Registrations()); n != 0 {
		t.Errorf("%d refused registrations recorded", n)
	}
	if ms := f.d.Methods(noraID); len(ms) != 0 {
		t.Errorf("methods after refusals: %+v", ms)
	}
}

// A challenge registers one key; the same credential cannot be registered
// twice, even with a fresh challenge.
func TestFido2ChallengeAndCredentialOnce(t *testing.T) {
	f := newFido2Fixture(t, Options{})
	key := newSoftkey(t, softkey.Options{})
	opts := f.expect(f.do("GET", v1Opts, nil), 200)
	first, err := key.Register(opts.raw)
	if err != nil {
		t.Fatal(err)
	}
	f.expect(f.do("POST", v1Post, first.GraphBody("Key")), 201)
	second, err := newSoftkey(t, softkey.Options{}).Register(opts.raw)
	if err != nil {
		t.Fatal(err)
	}
	if r := f.expect(f.do("POST", v1Post, second.GraphBody("Key")), 400); !strings.Contains(r.errorMessage(), "already used") {
		t.Errorf("reused challenge: %s", r.raw)
	}
	if _, r := f.register(key, v1Opts, v1Post, "Key", softkey.Reuse); r.status != 400 || !strings.Contains(r.errorMessage(), "already registered") {
		t.Errorf("same credential again: %d %s", r.status, r.raw)
	}
}

// Policies: a stricter credProtect level and enforced attestation.
func TestFido2Policies(t *testing.T) {
	f := newFido2Fixture(t, Options{FIDO2: FIDO2Options{CredentialProtection: "userVerificationRequired"}})
	f.d.Update(func(tn *Tenant) { tn.Setup.Fido2.AttestationEnforced = true })
	if _, r := f.register(newSoftkey(t, softkey.Options{}), v1Opts, v1Post, "Weak", softkey.WeakCredProtect); r.status != 400 || !strings.Contains(r.errorMessage(), "less restrictive") {
		t.Errorf("weak credProtect: %d %s", r.status, r.raw)
	}
	if _, r := f.register(newSoftkey(t, softkey.Options{Attestation: softkey.SelfAttested}), v1Opts, v1Post, "Self"); r.status != 400 || !strings.Contains(r.errorMessage(), "enforced") {
		t.Errorf("self attestation under enforcement: %d %s", r.status, r.raw)
	}
	if _, r := f.register(newSoftkey(t, softkey.Options{}), v1Opts, v1Post, "Packed"); r.status != 201 {
		t.Errorf("packed under enforcement: %d %s", r.status, r.raw)
	}
}

// newFido2Fixture is the sandbox tenant with the FIDO2 method policy set
// up for provisioning (enabled, self-service setup allowed).
func newFido2Fixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := newFixture(t, opts)
	f.d.Update(func(tn *Tenant) { tn.Setup.Fido2 = Fido2Policy{Enabled: true, SelfServiceRegistration: true} })
	return f
}

// Without "Allow self-service setup" (or with the method off) Entra
// refuses provisioning.
func TestFido2NeedsSelfServiceSetup(t *testing.T) {
	for _, p := range []Fido2Policy{{}, {Enabled: true}, {SelfServiceRegistration: true}} {
		f := newFixture(t, Options{})
		f.d.Update(func(tn *Tenant) { tn.Setup.Fido2 = p })
		for _, path := range []string{v1Opts, btOpts + "creationOptions(challengeTimeoutInMinutes=60)"} {
			if r := f.do("GET", path, nil); r.status != 400 || !strings.Contains(r.errorMessage(), "self-service") {
				t.Errorf("%+v %s: %d %s", p, path, r.status, r.raw)
			}
		}
		ready := newFido2Fixture(t, Options{})
		cred, err := newSoftkey(t, softkey.Options{}).Register(ready.expect(ready.do("GET", v1Opts, nil), 200).raw)
		if err != nil {
			t.Fatal(err)
		}
		ready.d.Update(func(tn *Tenant) { tn.Setup.Fido2 = p })
		if r := ready.do("POST", v1Post, cred.GraphBody("Key")); r.status != 400 || !strings.Contains(r.errorMessage(), "self-service") {
			t.Errorf("%+v POST: %d %s", p, r.status, r.raw)
		}
	}
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
