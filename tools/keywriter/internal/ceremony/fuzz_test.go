package ceremony

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/softkey"
)

// FuzzParse: any creation options are refused or give a request a key can
// take: a host-name rp id, a 1..64 byte user handle, a challenge, known
// credProtect level, at least one algorithm, an expiry; and clientDataJSON
// is valid JSON carrying the origin https://<rp.id>.
func FuzzParse(f *testing.F) {
	f.Add([]byte(graphOptions(nil)))
	f.Add([]byte(`{"value":` + string(graphOptions(nil)) + `}`))
	f.Add([]byte(`{"challengeTimeoutDateTime":"2026-05-01T10:00:00Z","publicKey":{"rp":{"id":"a"},"user":{"id":"AA","name":"n"},"challenge":"AQ"}}`))
	f.Add([]byte(`{"publicKey":{"rp":{"id":"x.y"},"user":{"id":"AA==","name":"n"},"challenge":"AQ2","excludeCredentials":[{"id":"AA0"},{"id":"+/+/"}]}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, _, err := Parse(pending(raw))
		if err != nil {
			return
		}
		if checkRPID(r.RPID) != nil || len(r.UserID) == 0 || len(r.UserID) > MaxUserID || len(r.Challenge) == 0 ||
			r.CredProtect < 0 || r.CredProtect > 3 || len(r.Algorithms) == 0 || r.Expires.IsZero() || r.UserName == "" {
			t.Fatalf("accepted unusable options %+v from %q", r, raw)
		}
		var cd map[string]any
		if err := json.Unmarshal(r.ClientDataJSON(), &cd); err != nil || cd["origin"] != "https://"+r.RPID {
			t.Fatalf("clientDataJSON %s: %v", r.ClientDataJSON(), err)
		}
	})
}

// FuzzParseAuthData: any bytes are refused or parse into attested
// credential data whose parts are where the layout says.
func FuzzParseAuthData(f *testing.F) {
	k, err := softkey.New(softkey.Options{})
	if err != nil {
		f.Fatal(err)
	}
	c, err := k.Register(graphOptions(nil))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(answerOfFuzz(f, c.AttestationObject))
	f.Add(make([]byte, 37))
	f.Add(append(make([]byte, 32), 0x41, 0, 0, 0, 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAuthData(b)
		if err != nil {
			return
		}
		if a.Flags&FlagAT == 0 || len(a.CredentialID) == 0 || a.Alg == 0 || !bytes.Equal(a.RPIDHash[:], b[:32]) ||
			!bytes.Contains(b, a.CredentialID) || !bytes.Contains(b, a.PublicKey) {
			t.Fatalf("accepted %x as %+v", b, a)
		}
	})
}

func answerOfFuzz(f *testing.F, obj []byte) []byte {
	var o struct {
		AuthData []byte `cbor:"authData"`
	}
	if err := decMode.Unmarshal(obj, &o); err != nil {
		f.Fatal(err)
	}
	h := sha256.Sum256([]byte(rpID))
	if !bytes.HasPrefix(o.AuthData, h[:]) {
		f.Fatal("unexpected authData")
	}
	return o.AuthData
}
