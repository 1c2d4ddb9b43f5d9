package softkey

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
)

const rpID = "login.microsoft.com"

// challenge is base64url of the ASCII of a (shortened) JWE, like Entra's.
var challenge = base64.RawURLEncoding.EncodeToString([]byte("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.c29mdGtleQ.aXY.Y2lwaGVy.dGFn"))

// graphOptions is shaped like the 2024 beta capture (graph-api.md §5.2).
func graphOptions(exclude ...string) []byte {
	ex := []map[string]any{}
	for _, id := range exclude {
		ex = append(ex, map[string]any{"type": "public-key", "id": id, "transports": []string{"usb", "nfc"}})
	}
	b, _ := json.Marshal(map[string]any{
		"@odata.context":           "https://graph.microsoft.com/beta/$metadata#microsoft.graph.webauthnCredentialCreationOptions",
		"challengeTimeoutDateTime": "2024-06-13T11:26:35Z",
		"publicKey": map[string]any{
			"rp":                 map[string]any{"id": rpID, "name": "Microsoft"},
			"user":               map[string]any{"id": base64.RawURLEncoding.EncodeToString([]byte("OF:user-handle")), "name": "john@contoso.com", "displayName": "John Doe"},
			"challenge":          challenge,
			"pubKeyCredParams":   []map[string]any{{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}},
			"timeout":            60000,
			"excludeCredentials": ex,
			"authenticatorSelection": map[string]any{
				"authenticatorAttachment": "cross-platform", "requireResidentKey": true, "userVerification": "required"},
			"attestation": "direct",
			"extensions": map[string]any{"hmacCreateSecret": true, "enforceCredentialProtectionPolicy": true,
				"credentialProtectionPolicy": "userVerificationOptional"},
		},
	})
	return b
}

func newKey(t *testing.T, opts Options) *Key {
	t.Helper()
	k, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// verify runs go-webauthn's registration checks the way Entra would: our
// challenge and origin, rp id hash, UV required, ES256 or RS256, and the
// credProtect policy the options enforce.
func verify(c Credential, policy string) error {
	pcc, err := protocol.ParseCredentialCreationResponseBytes(c.WebAuthnJSON())
	if err != nil {
		return err
	}
	_, err = pcc.Verify(challenge, rpID, []string{"https://" + rpID}, nil, nil,
		protocol.TopOriginDefaultVerificationMode, false, true, true, nil,
		[]protocol.CredentialParameter{
			{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256},
			{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgRS256},
		}, protocol.AttestationPolicy{}, protocol.SignaturePolicy{})
	if err != nil {
		return err
	}
	return pcc.Response.AttestationObject.AuthData.Ext.Verify(protocol.SessionExtensions{
		CredentialProtectionPolicy:        protocol.CredentialProtectionPolicy(policy),
		EnforceCredentialProtectionPolicy: true,
	}, protocol.CreateCeremony)
}

func TestRegistrationVerifies(t *testing.T) {
	for name, att := range map[string]Attestation{"packed x5c": Packed, "self": SelfAttested, "none": NoAttestation} {
		t.Run(name, func(t *testing.T) {
			k := newKey(t, Options{Attestation: att})
			c, err := k.Register(graphOptions())
			if err != nil {
				t.Fatal(err)
			}
			if err := verify(c, "userVerificationOptional"); err != nil {
				t.Fatalf("go-webauthn refuses a correct registration: %v", err)
			}
			want := `{"type":"webauthn.create","challenge":"` + challenge + `","origin":"https://login.microsoft.com","crossOrigin":false}`
			if string(c.ClientDataJSON) != want {
				t.Errorf("clientDataJSON\n%s\nwant\n%s", c.ClientDataJSON, want)
			}
			if c.ClientExtensionResults["hmacCreateSecret"] != true || len(c.ID) != 32 {
				t.Errorf("credential %+v", c)
			}
		})
	}
}

// The attestation object is CTAP2 canonical CBOR: fmt, attStmt, authData,
// and authData carries the flags, AAGUID and both extension outputs.
func TestAttestationObjectLayout(t *testing.T) {
	k := newKey(t, Options{})
	c, err := k.Register(graphOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(c.AttestationObject, []byte("\xa3\x63fmt\x66packed\x67attStmt\xa3\x63alg\x26")) {
		t.Errorf("not canonical: % x", c.AttestationObject[:24])
	}
	var obj struct {
		AuthData []byte         `cbor:"authData"`
		AttStmt  map[string]any `cbor:"attStmt"`
	}
	if err := cbor.Unmarshal(c.AttestationObject, &obj); err != nil {
		t.Fatal(err)
	}
	a := obj.AuthData
	rp := sha256.Sum256([]byte(rpID))
	if !bytes.Equal(a[:32], rp[:]) || a[32] != 0xc5 || !bytes.Equal(a[37:53], DefaultAAGUID[:]) {
		t.Errorf("authData head % x", a[:55])
	}
	if !bytes.HasSuffix(a, []byte("\xa2\x6bcredProtect\x01\x6bhmac-secret\xf5")) {
		t.Errorf("extensions % x", a[len(a)-28:])
	}
	if x5c, _ := obj.AttStmt["x5c"].([]any); len(x5c) != 1 || !bytes.Equal(x5c[0].([]byte), k.AttestationCertificate()) {
		t.Errorf("x5c %v", obj.AttStmt["x5c"])
	}
}

// Every fault yields a registration go-webauthn refuses.
func TestFaultsAreRefusedByGoWebAuthn(t *testing.T) {
	for _, tc := range []struct {
		fault  Fault
		policy string
		want   string
	}{
		{WrongChallenge, "userVerificationOptional", "challenge"},
		{WrongOrigin, "userVerificationOptional", "origin"},
		{WrongRPIDHash, "userVerificationOptional", "RP Hash mismatch"},
		{NoUV, "userVerificationOptional", "User verification required"},
		{BadSignature, "userVerificationOptional", "signature"},
		{NoCredProtect, "userVerificationOptional", "did not report the policy"},
		{WeakCredProtect, "userVerificationRequired", "less restrictive"},
	} {
		k := newKey(t, Options{})
		c, err := k.Register(graphOptions(), tc.fault)
		if err != nil {
			t.Fatalf("fault %d: %v", tc.fault, err)
		}
		err = verify(c, tc.policy)
		if err == nil || !strings.Contains(strings.ToLower(describe(err)), strings.ToLower(tc.want)) {
			t.Errorf("fault %d: go-webauthn says %v", tc.fault, describe(err))
		}
	}
}

func describe(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.Details + " " + pe.DevInfo
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// A key refuses a credential it already holds, however Entra encoded the
// excluded id; Reuse attests the held credential anyway.
func TestExcludeCredentials(t *testing.T) {
	k := newKey(t, Options{})
	first, err := k.Register(graphOptions())
	if err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]string{
		"standard base64": base64.StdEncoding.EncodeToString(first.ID),
		"UrlTokenEncode":  credid.MethodID(first.ID),
		"base64url":       credid.Encode(first.ID),
	} {
		if _, err := k.Register(graphOptions("AAAA", id)); !errors.Is(err, ErrCredentialExcluded) {
			t.Errorf("%s: %v", name, err)
		}
	}
	again, err := k.Register(graphOptions(credid.MethodID(first.ID)), Reuse)
	if err != nil || !bytes.Equal(again.ID, first.ID) {
		t.Fatalf("reuse: %v", err)
	}
	other := newKey(t, Options{})
	if _, err := other.Register(graphOptions(credid.MethodID(first.ID))); err != nil {
		t.Errorf("another key refuses: %v", err)
	}
	second, err := k.Register(graphOptions()) // same user, no exclude list: replaces the resident credential
	if err != nil || bytes.Equal(second.ID, first.ID) || len(k.CredentialIDs()) != 1 {
		t.Errorf("replace: %v, %d credentials", err, len(k.CredentialIDs()))
	}
}

func TestOptionShapesAndRefusals(t *testing.T) {
	k := newKey(t, Options{})
	wrapped := []byte(`{"value":` + string(graphOptions()) + `}`)
	if c, err := k.Register(wrapped); err != nil || verify(c, "") != nil {
		t.Errorf("wrapped options: %v", err)
	}
	var m map[string]any
	_ = json.Unmarshal(graphOptions(), &m)
	m["publicKey"].(map[string]any)["pubKeyCredParams"] = []any{map[string]any{"type": "public-key", "alg": -257}}
	rsaOnly, _ := json.Marshal(m)
	if _, err := k.Register(rsaOnly); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Errorf("RS256 only: %v", err)
	}
	strict := bytes.Replace(graphOptions(), []byte(`"userVerificationOptional"`), []byte(`"userVerificationRequired"`), 1)
	noCP := newKey(t, Options{NoCredProtect: true})
	if _, err := noCP.Register(strict); !errors.Is(err, ErrUnsupportedOption) {
		t.Errorf("enforced credProtect 3 on a key without it: %v", err)
	}
	for _, bad := range []string{`{}`, `[]`, `{"publicKey":{"rp":{"id":""}}}`, `{"value":{}}`} {
		if _, err := k.Register([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
