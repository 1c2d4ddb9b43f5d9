package callerauth_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
)

const (
	apiURI   = "api://mfa-recovery"
	apiID    = "11111111-1111-4111-8111-111111111111"
	hrAppID  = "22222222-2222-4222-8222-222222222222"
	relayMI  = "33333333-3333-4333-8333-333333333333"
	roleCall = "Recovery.Invoke"
)

type fixture struct {
	srv   *oidc.Server
	clock *clock.Fake
	cfg   callerauth.Config
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	clk := clock.New(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	srv, err := oidc.Start(oidc.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, clock: clk, cfg: callerauth.Config{
		TenantID:      srv.TenantID(),
		Audiences:     []string{apiURI, apiID},
		AllowedAppIDs: []string{hrAppID, relayMI},
		JWKSURL:       srv.JWKSURL(),
		HTTPClient:    srv.Client(),
		Now:           clk.Now,
		Logger:        slog.New(slog.DiscardHandler),
	}}
}

func (f *fixture) verifier(t testing.TB) *callerauth.Verifier {
	t.Helper()
	v, err := callerauth.NewVerifier(context.Background(), f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// good returns claims a correctly configured verifier accepts.
func good(version string) oidc.Claims {
	return oidc.Claims{Version: version, Audience: apiURI, AppID: hrAppID, Roles: []string{roleCall}}
}

func bearer(tok string) string { return "Bearer " + tok }

// wantRejected asserts err is of kind and its text says reason.
func wantRejected(t *testing.T, err error, kind error, reason string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error = %v, want kind %v", err, kind)
	}
	if !strings.Contains(err.Error(), reason) {
		t.Fatalf("error = %q, want reason %q", err, reason)
	}
}

// flakyKeys fronts the issuer and fails JWKS requests while down is set.
type flakyKeys struct {
	down atomic.Bool
	next http.Handler
}

func (f *flakyKeys) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.down.Load() {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	f.next.ServeHTTP(w, r)
}

func startFlaky(t *testing.T, iss http.Handler) (*flakyKeys, *httptest.Server) {
	fk := &flakyKeys{next: iss}
	ts := httptest.NewServer(fk)
	t.Cleanup(ts.Close)
	return fk, ts
}
