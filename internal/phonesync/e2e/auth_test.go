package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/phonesync"
)

const noraBody = `[{"UserPrincipalName":"nora.new@contoso.example"}]`

// refused asserts the status and error code, and that nothing was done:
// no Graph request at all, no phone for Nora.
func (f *fixture) refused(t *testing.T, r reply, status int, code string) {
	t.Helper()
	if r.Status != status || r.Error != code {
		t.Fatalf("got %d %s, want %d %s", r.Status, r.Raw, status, code)
	}
	if n := len(f.rig.Double.Requests()); n != 0 {
		t.Fatalf("%d Graph requests after a refused caller", n)
	}
	if len(f.phones(graphtest.Nora)) != 0 {
		t.Fatal("Nora got a phone")
	}
}

func TestHandshake(t *testing.T) {
	cases := []struct {
		name    string
		headers []string
		status  int
		code    string
	}{
		{"nothing", nil, 401, "missing_credentials"},
		{"empty handshake", []string{"message", ""}, 401, "invalid_handshake"},
		{"wrong handshake", []string{"message", "Handshake-message-only-known-between-runbook-and-invoker"}, 401, "invalid_handshake"},
		{"prefix of the secret", []string{"message", handshake[:len(handshake)-1]}, 401, "invalid_handshake"},
		{"secret plus a byte", []string{"message", handshake + "x"}, 401, "invalid_handshake"},
		{"right value, wrong header", []string{"X-Message", handshake}, 401, "missing_credentials"},
		{"right handshake", []string{"message", handshake}, 200, ""},
		{"header name case does not matter", []string{"MESSAGE", handshake}, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := setup(t, graphdouble.Options{})
			r := f.call(t, request(noraBody, c.headers...))
			if c.status == 200 {
				if r.Status != 200 || r.Counts.Created != 1 {
					t.Fatalf("%d %s", r.Status, r.Raw)
				}
				return
			}
			f.refused(t, r, c.status, c.code)
		})
	}
}

func TestHandshakeSentTwiceIsRefused(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	req := request(noraBody)
	req.Headers["Message"] = []string{handshake, "other"}
	f.refused(t, f.call(t, req), 401, "invalid_handshake")
}

// Rotation in Key Vault while running: the new value works at once (a
// mismatch re-reads the secret), the old one stops working, and re-reads
// are rate-limited so a caller guessing values cannot hammer the vault.
func TestHandshakeRotatedInKeyVault(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	ok := func(value string) int { return f.call(t, request(`[]`, "message", value)).Status }
	if s := ok(handshake); s != 200 {
		t.Fatalf("before rotation: %d", s)
	}
	f.vault.SetSecret(secretName, "rotated-"+handshake)
	f.clock.Advance(31 * time.Second) // past the store's minimum re-read interval
	if s := ok("rotated-" + handshake); s != 200 {
		t.Fatalf("new value after rotation: %d", s)
	}
	if s := ok(handshake); s != 401 {
		t.Fatalf("old value after rotation: %d", s)
	}
	before := f.vault.Requests()
	for range 20 {
		ok("guess")
	}
	if n := f.vault.Requests() - before; n > 1 {
		t.Errorf("%d Key Vault reads for 20 wrong guesses within 30 s", n)
	}
}

func TestHandshakeVaultDown(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	f.vault.DeleteSecret(secretName)
	f.refused(t, f.call(t, request(noraBody, "message", handshake)), 503, "verification_unavailable")
}

func TestTokens(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	if r := f.call(t, request(noraBody, "Authorization", "Bearer "+f.token())); r.Status != 200 || r.Counts.Created != 1 {
		t.Fatalf("good token: %s", r.Raw)
	}
	for _, forgery := range oidc.AllForgeries() {
		t.Run(forgery.String(), func(t *testing.T) {
			f := setup(t, graphdouble.Options{})
			tok := f.idp.Forge(forgery, oidc.Claims{Audience: apiURI, AppID: hrAppID})
			r := f.call(t, request(noraBody, "Authorization", "Bearer "+tok))
			want, code := 401, "invalid_token"
			if forgery == oidc.ForgeDisallowedApp {
				want, code = 403, "caller_not_allowed"
			}
			f.refused(t, r, want, code)
		})
	}
}

func TestExpiredTokenAndNoFallback(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	tok := f.token()
	f.clock.Advance(3 * time.Hour)
	// A bad token is refused even beside a right handshake: a caller that
	// sends a token is judged by it.
	r := f.call(t, request(noraBody, "Authorization", "Bearer "+tok, "message", handshake))
	f.refused(t, r, 401, "invalid_token")
	if !strings.Contains(r.Detail, "expired") {
		t.Errorf("detail %q", r.Detail)
	}
	f.refused(t, f.call(t, request(noraBody, "Authorization", "Basic dXNlcjpwYXNz")), 401, "missing_token")
}

func TestEachCredentialCanBeOff(t *testing.T) {
	f := setup(t, graphdouble.Options{}, func(c *config.PhoneSync) { c.HandshakeSecret = "" })
	f.refused(t, f.call(t, request(noraBody, "message", handshake)), 401, "invalid_handshake")
	f.svc.Tokens = nil
	f.svc.Cfg.HandshakeSecret = secretName
	f.refused(t, f.call(t, request(noraBody, "Authorization", "Bearer "+f.token())), 401, "invalid_token")
	f.svc.Secrets = nil
	f.refused(t, f.call(t, request(noraBody, "message", handshake)), 503, "not_configured")
}

// The audit trail records who called: the token's application, or the
// handshake; refusals are audited too.
func TestCallerAudited(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	f.call(t, request(noraBody, "Authorization", "Bearer "+f.token()))
	f.call(t, request(`[]`, "message", handshake))
	f.call(t, request(`[]`, "message", "wrong"))
	logs := f.logs.String()
	for _, want := range []string{
		`"action":"phonesync.user","outcome":"succeeded","target_id":"` + graphtest.Nora,
		`"caller_app_id":"` + hrAppID + `"`,
		`"caller_app_id":"` + phonesync.HandshakeCaller + `"`,
		`"action":"phonesync.batch","outcome":"refused","reason":"invalid_handshake`,
		`"correlation_id":"` + invocationID + `"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("audit lacks %s", want)
		}
	}
}
