package callerauth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
)

func TestNewVerifierDoesNoNetworkIO(t *testing.T) {
	f := newFixture(t)
	f.verifier(t)
	if n := f.srv.KeyRequests(); n != 0 {
		t.Fatalf("NewVerifier fetched keys %d times", n)
	}
}

func TestKeysAreCached(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	for range 5 {
		if _, err := v.Verify(context.Background(), bearer(f.srv.Issue(good("2.0")))); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.srv.KeyRequests(); n != 1 {
		t.Fatalf("key requests = %d, want 1", n)
	}
}

func TestConcurrentFirstUseFetchesOnce(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	tok := bearer(f.srv.Issue(good("2.0")))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), tok)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.srv.KeyRequests(); n != 1 {
		t.Fatalf("key requests = %d, want 1", n)
	}
}

// A forgery that names a known kid must not trigger a refetch: only unknown
// kids do.
func TestBadSignatureWithKnownKidDoesNotRefetch(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	if _, err := v.Verify(context.Background(), bearer(f.srv.Issue(good("2.0")))); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour) // past any rate limit
	for range 10 {
		v.Verify(context.Background(), bearer(f.srv.Forge(oidc.ForgeOtherKey, good("2.0"))))
	}
	if n := f.srv.KeyRequests(); n != 1 {
		t.Fatalf("key requests = %d, want 1", n)
	}
}

func TestUnknownKidRefreshIsRateLimited(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	if _, err := v.Verify(context.Background(), bearer(f.srv.Issue(good("2.0")))); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		_, err := v.Verify(context.Background(), bearer(f.srv.Forge(oidc.ForgeUnknownKid, good("2.0"))))
		wantRejected(t, err, callerauth.ErrInvalid, "unknown signing key")
	}
	if n := f.srv.KeyRequests(); n != 1 {
		t.Fatalf("key requests = %d, want 1 (refresh within the interval)", n)
	}
	f.clock.Advance(5 * time.Minute)
	for range 50 {
		v.Verify(context.Background(), bearer(f.srv.Forge(oidc.ForgeUnknownKid, good("2.0"))))
	}
	if n := f.srv.KeyRequests(); n != 2 {
		t.Fatalf("key requests = %d, want 2 (one refresh per interval)", n)
	}
}

func TestKeyRotationIsPickedUp(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	if _, err := v.Verify(context.Background(), bearer(f.srv.Issue(good("2.0")))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.RotateKey(); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(6 * time.Minute)
	if _, err := v.Verify(context.Background(), bearer(f.srv.Issue(good("2.0")))); err != nil {
		t.Fatalf("token signed with the new key: %v", err)
	}
	if n := f.srv.KeyRequests(); n != 2 {
		t.Fatalf("key requests = %d, want 2", n)
	}
}

func TestKeysAreRefetchedAfterADay(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	for range 2 {
		if _, err := v.Verify(context.Background(), bearer(f.srv.Issue(good("2.0")))); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(25 * time.Hour)
	}
	if n := f.srv.KeyRequests(); n != 2 {
		t.Fatalf("key requests = %d, want 2", n)
	}
}

func TestKeyEndpointDown(t *testing.T) {
	f := newFixture(t)
	flaky, ts := startFlaky(t, f.srv.Issuer)
	f.cfg.JWKSURL = ts.URL + "/" + f.srv.TenantID() + "/discovery/v2.0/keys"
	f.cfg.HTTPClient = ts.Client()
	v := f.verifier(t)
	tok := bearer(f.srv.Issue(good("2.0")))

	flaky.down.Store(true)
	_, err := v.Verify(context.Background(), tok)
	wantRejected(t, err, callerauth.ErrUnavailable, "signing keys unavailable")

	flaky.down.Store(false)
	_, err = v.Verify(context.Background(), tok)
	wantRejected(t, err, callerauth.ErrUnavailable, "") // retry is rate-limited
	f.clock.Advance(10 * time.Second)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("after recovery: %v", err)
	}

	// Once keys are cached, an outage at refresh time keeps them in use.
	flaky.down.Store(true)
	f.clock.Advance(25 * time.Hour)
	if _, err := v.Verify(context.Background(), bearer(f.srv.Issue(good("2.0")))); err != nil {
		t.Fatalf("stale keys during outage: %v", err)
	}
}

func TestNewVerifierValidatesConfig(t *testing.T) {
	base := callerauth.Config{TenantID: "t", Audiences: []string{apiURI}, AllowedAppIDs: []string{hrAppID}}
	cases := map[string]func(*callerauth.Config){
		"no tenant":       func(c *callerauth.Config) { c.TenantID = "" },
		"no audience":     func(c *callerauth.Config) { c.Audiences = nil },
		"no allowed apps": func(c *callerauth.Config) { c.AllowedAppIDs = nil },
		"http JWKS":       func(c *callerauth.Config) { c.JWKSURL = "http://keys.example.com/keys" },
		"relative JWKS":   func(c *callerauth.Config) { c.JWKSURL = "/keys" },
		"negative skew":   func(c *callerauth.Config) { c.ClockSkew = -time.Second },
		"excessive skew":  func(c *callerauth.Config) { c.ClockSkew = time.Hour },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := base
			mutate(&cfg)
			if _, err := callerauth.NewVerifier(context.Background(), cfg); err == nil {
				t.Fatal("config accepted")
			}
		})
	}
	for _, jwks := range []string{"", "https://keys.example.com/k", "http://127.0.0.1:1/k", "http://localhost/k", "http://[::1]:8/k"} {
		cfg := base
		cfg.JWKSURL = jwks
		if _, err := callerauth.NewVerifier(context.Background(), cfg); err != nil {
			t.Fatalf("JWKSURL %q: %v", jwks, err)
		}
	}
}

// With only TenantID set, the verifier accepts Entra's real v1 and v2
// issuer strings, which is what the double's tokens carry.
func TestDefaultIssuersAreEntras(t *testing.T) {
	got := callerauth.EntraIssuers("tid")
	want := []string{"https://sts.windows.net/tid/", "https://login.microsoftonline.com/tid/v2.0"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("EntraIssuers = %v", got)
	}
	if got := callerauth.EntraJWKSURL("tid"); got != "https://login.microsoftonline.com/tid/discovery/v2.0/keys" {
		t.Fatalf("EntraJWKSURL = %q", got)
	}
	if oidc.V1IssuerFor("tid") != want[0] || oidc.V2IssuerFor("tid") != want[1] {
		t.Fatal("double and verifier disagree on Entra issuers")
	}
}
