package callerauth_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/logcapture"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
)

// No token, and no piece of one, may reach logs or error strings.
func TestTokensNeverInLogsOrErrors(t *testing.T) {
	f := newFixture(t)
	var logs *logcapture.Buffer
	f.cfg.Logger, logs = logcapture.New(slog.LevelDebug)
	f.cfg.RequiredRoles = []string{"Only.Admins"}
	v := f.verifier(t)

	tokens := []string{f.srv.Issue(good("1.0")), f.srv.Issue(good("2.0"))}
	for _, forgery := range oidc.AllForgeries() {
		tokens = append(tokens, f.srv.Forge(forgery, good("2.0")))
	}
	var errText strings.Builder
	for _, tok := range tokens {
		_, err := v.Verify(context.Background(), bearer(tok))
		if err == nil {
			t.Fatal("a token passed despite the required role")
		}
		errText.WriteString(err.Error() + "\n")
	}
	if !strings.Contains(logs.String(), "caller token rejected") {
		t.Fatalf("rejections not logged: %s", logs.String())
	}
	for _, tok := range tokens {
		for _, part := range strings.Split(tok, ".") {
			if len(part) < 8 {
				continue // empty alg-none signature
			}
			if strings.Contains(logs.String(), part) {
				t.Fatalf("log contains token segment %.16s...", part)
			}
			if strings.Contains(errText.String(), part) {
				t.Fatalf("error text contains token segment %.16s...", part)
			}
		}
	}
}
