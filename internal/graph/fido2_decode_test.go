package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// capture is the shape of the real 2024 beta answer (shortened).
const capture = `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#microsoft.graph.webauthnCredentialCreationOptions",` +
	`"challengeTimeoutDateTime":"2024-06-13T11:26:35Z","publicKey":{"rp":{"id":"login.microsoft.com","name":"Microsoft"},` +
	`"user":{"id":"T0Y6bWhv","name":"john@contoso.com","displayName":"John Doe"},"challenge":"ZXlKaGJHY2","timeout":60000,` +
	`"excludeCredentials":[{"type":"public-key","id":"TZ2KrDEawbrIGQsnheGZ/BG9Nfnb7blSGwQYMGyJIhM=","transports":["usb","nfc"]}]}}`

func TestUnwrapCreationOptions(t *testing.T) {
	want := time.Date(2024, 6, 13, 11, 26, 35, 0, time.UTC)
	raw, exp, err := unwrapCreationOptions([]byte(capture))
	if err != nil || string(raw) != capture || !exp.Equal(want) {
		t.Errorf("bare: %s %v %v", raw, exp, err)
	}
	// The beta page's example wraps the object in "value": the object comes
	// back verbatim, without the wrapper.
	inner := `{"challengeTimeoutDateTime":"2024-06-13T11:26:35.0000000Z","publicKey":{"rp":{"id":"login.microsoft.com"},"challenge":"QQ"}}`
	raw, exp, err = unwrapCreationOptions([]byte(`{"@odata.context":"x","value":` + inner + `}`))
	if err != nil || string(raw) != inner || !exp.Equal(want) {
		t.Errorf("wrapped: %s %v %v", raw, exp, err)
	}
	for _, bad := range []string{``, `[]`, `{}`, `{"value":null}`, `{"value":"x"}`, `{"publicKey":{}}`,
		`{"challengeTimeoutDateTime":"2024-06-13T11:26:35Z","publicKey":{"rp":{"id":"x"}}}`,
		`{"publicKey":{"rp":{"id":"x"},"challenge":"QQ"}}`,
		`{"challengeTimeoutDateTime":"soon","publicKey":{"rp":{"id":"x"},"challenge":"QQ"}}`} {
		if _, _, err := unwrapCreationOptions([]byte(bad)); !errors.Is(err, errMalformedOptions) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// FuzzUnwrapCreationOptions: any answer is refused, or yields a JSON
// object with a challenge, an rp id and an expiry, that unwraps to itself.
func FuzzUnwrapCreationOptions(f *testing.F) {
	f.Add([]byte(capture))
	f.Add([]byte(`{"value":` + capture + `}`))
	f.Add([]byte(`{"value":{"value":` + capture + `}}`))
	f.Add([]byte(`{"value":{},"publicKey":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		raw, exp, err := unwrapCreationOptions(body)
		if err != nil {
			return
		}
		var o struct {
			PublicKey struct {
				Challenge string
				RP        struct{ ID string }
			}
		}
		if json.Unmarshal(raw, &o) != nil || o.PublicKey.Challenge == "" || o.PublicKey.RP.ID == "" || exp.IsZero() {
			t.Fatalf("accepted %q as %q", body, raw)
		}
		again, exp2, err := unwrapCreationOptions(raw)
		if err != nil || !bytes.Equal(again, raw) || !exp2.Equal(exp) {
			t.Fatalf("not idempotent: %q -> %q -> %q %v", body, raw, again, err)
		}
	})
}
