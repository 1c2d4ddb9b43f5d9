package ceremony

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/softkey"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
)

// answerOf splits a software key's attestation object into what libfido2
// hands over: fmt, raw authData, raw attStmt, the credential id.
func answerOf(t *testing.T, c softkey.Credential) Answer {
	t.Helper()
	var obj struct {
		Fmt      string          `cbor:"fmt"`
		AttStmt  cbor.RawMessage `cbor:"attStmt"`
		AuthData []byte          `cbor:"authData"`
	}
	if err := cbor.Unmarshal(c.AttestationObject, &obj); err != nil {
		t.Fatal(err)
	}
	return Answer{Format: obj.Fmt, AuthData: obj.AuthData, AttStmt: obj.AttStmt, CredentialID: c.ID}
}

func register(t *testing.T, key *softkey.Key, opts []byte, faults ...softkey.Fault) (Request, softkey.Credential) {
	t.Helper()
	r, _, err := Parse(pending(opts))
	if err != nil {
		t.Fatal(err)
	}
	c, err := key.Register(opts, faults...)
	if err != nil {
		t.Fatal(err)
	}
	return r, c
}

func newKey(t *testing.T, o softkey.Options) *softkey.Key {
	t.Helper()
	k, err := softkey.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The desk's clientDataJSON and re-assembled object are byte for byte what
// a key and a browser would send, and an independent verifier accepts them.
func TestCheckAcceptsWhatAKeyMakes(t *testing.T) {
	for name, att := range map[string]softkey.Attestation{"packed x5c": softkey.Packed, "self": softkey.SelfAttested, "none": softkey.NoAttestation} {
		t.Run(name, func(t *testing.T) {
			req, cred := register(t, newKey(t, softkey.Options{Attestation: att}), graphOptions(nil))
			cdj := req.ClientDataJSON()
			if !bytes.Equal(cdj, cred.ClientDataJSON) {
				t.Fatalf("clientDataJSON\n got %s\nwant %s", cdj, cred.ClientDataJSON)
			}
			got, err := req.Check(AlgES256, cdj, answerOf(t, cred))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.AttestationObject, cred.AttestationObject) {
				t.Errorf("attestation object differs from the key's")
			}
			if got.Attested != (att == softkey.Packed) || got.AuthData.CredProtect != 1 || !got.AuthData.HMACSecret || got.AuthData.AAGUID != softkey.DefaultAAGUID {
				t.Errorf("checked: %+v", got)
			}
			res := Result(pending(nil), Written{ClientDataJSON: cdj, Checked: got, Key: fido2msg.KeyInfo{Model: "Soft Key"}, Serial: "1234", At: expiry})
			if err := res.Validate(); err != nil || res.DisplayName != "Soft Key 1234" {
				t.Fatalf("result %+v: %v", res, err)
			}
			if err := verifyIndependently(res); err != nil {
				t.Errorf("go-webauthn refuses the result: %v", err)
			}
		})
	}
}

// verifyIndependently runs go-webauthn's registration checks as Entra would.
func verifyIndependently(r fido2msg.Result) error {
	body := `{"id":"` + r.Credential.ID + `","rawId":"` + r.Credential.ID + `","type":"public-key","response":{"clientDataJSON":"` +
		r.Credential.ClientDataJSON + `","attestationObject":"` + r.Credential.AttestationObject + `"}}`
	pcc, err := protocol.ParseCredentialCreationResponseBytes([]byte(body))
	if err != nil {
		return err
	}
	_, err = pcc.Verify(base64.RawURLEncoding.EncodeToString(challenge), rpID, []string{"https://" + rpID}, nil, nil,
		protocol.TopOriginDefaultVerificationMode, false, true, true, nil,
		[]protocol.CredentialParameter{{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256}},
		protocol.AttestationPolicy{}, protocol.SignaturePolicy{})
	return err
}

// The WebAuthn byte layout DSInternals tests with (CollectedClientDataTester).
func TestClientDataJSONVector(t *testing.T) {
	r := Request{RPID: rpID, Challenge: []byte{1, 2, 3, 4, 5}}
	want := `{"type":"webauthn.create","challenge":"AQIDBAU","origin":"https://login.microsoft.com","crossOrigin":false}`
	if got := string(r.ClientDataJSON()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestCheckRefuses(t *testing.T) {
	strict := graphOptions(func(pk map[string]any) {
		pk["extensions"] = map[string]any{"enforceCredentialProtectionPolicy": true, "credentialProtectionPolicy": "userVerificationRequired"}
	})
	for name, tc := range map[string]struct {
		opts   []byte
		faults []softkey.Fault
		alg    int
		edit   func(a *Answer)
		want   string
	}{
		"rp id hash":           {faults: []softkey.Fault{softkey.WrongRPIDHash}, want: "rpIdHash"},
		"no user verification": {faults: []softkey.Fault{softkey.NoUV}, want: "not verified"},
		"bad signature":        {faults: []softkey.Fault{softkey.BadSignature}, want: "signature"},
		"weak credProtect":     {opts: strict, faults: []softkey.Fault{softkey.WeakCredProtect}, want: "credProtect"},
		"no credProtect":       {faults: []softkey.Fault{softkey.NoCredProtect}, want: "credProtect"},
		"other algorithm":      {alg: AlgRS256, want: "algorithm"},
		"other credential id":  {edit: func(a *Answer) { a.CredentialID = []byte("another") }, want: "credential id"},
		"tpm format":           {edit: func(a *Answer) { a.Format = "tpm" }, want: "format"},
		"none with a body":     {edit: func(a *Answer) { a.Format = "none" }, want: "none"},
		"truncated authData":   {edit: func(a *Answer) { a.AuthData = a.AuthData[:60] }, want: "authenticator data"},
		"statement not a map":  {edit: func(a *Answer) { a.AttStmt = []byte{0x80} }, want: "packed statement"},
		"CBOR-wrapped authData": {edit: func(a *Answer) {
			a.AuthData, _ = cbor.Marshal(a.AuthData)
		}, want: "authenticator data"},
	} {
		t.Run(name, func(t *testing.T) {
			opts := tc.opts
			if opts == nil {
				opts = graphOptions(nil)
			}
			req, cred := register(t, newKey(t, softkey.Options{}), opts, tc.faults...)
			a := answerOf(t, cred)
			if tc.edit != nil {
				tc.edit(&a)
			}
			alg := tc.alg
			if alg == 0 {
				alg = AlgES256
			}
			_, err := req.Check(alg, req.ClientDataJSON(), a)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one about %q", err, tc.want)
			}
		})
	}
}

// The statement is embedded byte for byte: a two-certificate chain and
// members the desk does not know survive.
func TestAttestationObjectKeepsTheStatement(t *testing.T) {
	stmt, err := enc.Marshal(map[string]any{"alg": -7, "sig": []byte{1, 2}, "x5c": [][]byte{{0x30, 1}, {0x30, 2}}, "vendor": "x"})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := AttestationObject("packed", []byte{9, 9}, stmt)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(obj, stmt) || !bytes.HasPrefix(obj, []byte{0xa3, 0x63, 'f', 'm', 't'}) {
		t.Errorf("object %x", obj)
	}
	if _, err := AttestationObject("packed", []byte{9}, []byte{0xa1}); err == nil {
		t.Error("accepted a truncated statement")
	}
}

func TestResultDisplayNameBounded(t *testing.T) {
	p := pending(nil)
	p.DisplayNameTemplate = "{model} {serial} {date}"
	res := Result(p, Written{Key: fido2msg.KeyInfo{Model: strings.Repeat("Model ", 10)}, Serial: "99", At: time.Now()})
	if n := len([]rune(res.DisplayName)); n == 0 || n > fido2msg.MaxDisplayName {
		t.Errorf("display name %q", res.DisplayName)
	}
}
