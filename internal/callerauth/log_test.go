package callerauth_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
)

// syncBuffer lets the slog handler be written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// No token, and no piece of one, may reach logs or error strings.
func TestTokensNeverInLogsOrErrors(t *testing.T) {
	f := newFixture(t)
	var logs syncBuffer
	f.cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
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
