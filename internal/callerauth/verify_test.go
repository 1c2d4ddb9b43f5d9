package callerauth_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
)

func TestVerifyAcceptsV1AndV2Tokens(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	for _, ver := range []string{"1.0", "2.0"} {
		t.Run(ver, func(t *testing.T) {
			c := good(ver)
			c.ObjectID = "44444444-4444-4444-8444-444444444444"
			caller, err := v.Verify(context.Background(), bearer(f.srv.Issue(c)))
			if err != nil {
				t.Fatal(err)
			}
			want := callerauth.Caller{AppID: hrAppID, ObjectID: c.ObjectID, TenantID: f.srv.TenantID(), Roles: []string{roleCall}}
			if caller.AppID != want.AppID || caller.ObjectID != want.ObjectID ||
				caller.TenantID != want.TenantID || !slices.Equal(caller.Roles, want.Roles) {
				t.Fatalf("caller = %+v, want %+v", caller, want)
			}
		})
	}
}

func TestVerifyAcceptsEitherConfiguredAudience(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	c := good("2.0")
	c.Audience = apiID
	if _, err := v.Verify(context.Background(), bearer(f.srv.Issue(c))); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRefusesForgeries(t *testing.T) {
	want := map[oidc.Forgery]struct {
		kind   error
		reason string
	}{
		oidc.ForgeOtherKey:      {callerauth.ErrInvalid, "signature invalid"},
		oidc.ForgeUnknownKid:    {callerauth.ErrInvalid, "unknown signing key"},
		oidc.ForgeWrongIssuer:   {callerauth.ErrInvalid, "issuer not accepted"},
		oidc.ForgeWrongAudience: {callerauth.ErrInvalid, "audience not accepted"},
		oidc.ForgeExpired:       {callerauth.ErrInvalid, "token expired"},
		oidc.ForgeNotYetValid:   {callerauth.ErrInvalid, "token not yet valid"},
		oidc.ForgeAlgNone:       {callerauth.ErrInvalid, "not an RS256-signed JWT"},
		oidc.ForgeHS256:         {callerauth.ErrInvalid, "not an RS256-signed JWT"},
		oidc.ForgeWrongTenant:   {callerauth.ErrInvalid, "issuer not accepted"},
		oidc.ForgeDisallowedApp: {callerauth.ErrForbidden, "caller application not allowed"},
		oidc.ForgeTampered:      {callerauth.ErrInvalid, "signature invalid"},
	}
	f := newFixture(t)
	v := f.verifier(t)
	for _, forgery := range oidc.AllForgeries() {
		for _, ver := range []string{"1.0", "2.0"} {
			t.Run(forgery.String()+"/"+ver, func(t *testing.T) {
				w, ok := want[forgery]
				if !ok {
					t.Fatalf("no expectation for %v", forgery)
				}
				_, err := v.Verify(context.Background(), bearer(f.srv.Forge(forgery, good(ver))))
				wantRejected(t, err, w.kind, w.reason)
			})
		}
	}
}

func TestVerifyRefusesForeignTenantClaim(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	c := good("2.0")
	c.Issuer = f.srv.V2Issuer() // our issuer string, someone else's tid
	c.TenantID = oidc.OtherTenantID
	_, err := v.Verify(context.Background(), bearer(f.srv.Issue(c)))
	wantRejected(t, err, callerauth.ErrInvalid, "tenant not accepted")
}

func TestVerifyMissingOrMalformedHeader(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	for _, h := range []string{"", "   ", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "token-without-scheme"} {
		_, err := v.Verify(context.Background(), h)
		wantRejected(t, err, callerauth.ErrMissing, "bearer token required")
	}
	for _, h := range []string{"Bearer abc", "Bearer a.b.c", "Bearer " + strings.Repeat("a", 20<<10)} {
		_, err := v.Verify(context.Background(), h)
		wantRejected(t, err, callerauth.ErrInvalid, "")
	}
	if f.srv.KeyRequests() != 0 {
		t.Fatalf("malformed tokens fetched keys %d times", f.srv.KeyRequests())
	}
}

func TestVerifySchemeIsCaseInsensitive(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	if _, err := v.Verify(context.Background(), "bearer "+f.srv.Issue(good("2.0"))); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyClockSkew(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	cases := []struct {
		name      string
		nbf, exp  time.Time
		skew      time.Duration
		wantValid bool
	}{
		{"expired within default skew", now.Add(-time.Hour), now.Add(-time.Minute), 0, true},
		{"expired beyond default skew", now.Add(-time.Hour), now.Add(-3 * time.Minute), 0, false},
		{"nbf within default skew", now.Add(time.Minute), now.Add(time.Hour), 0, true},
		{"nbf beyond default skew", now.Add(3 * time.Minute), now.Add(time.Hour), 0, false},
		{"expired within custom skew", now.Add(-time.Hour), now.Add(-4 * time.Minute), 5 * time.Minute, true},
		{"expired beyond custom skew", now.Add(-time.Hour), now.Add(-20 * time.Second), 10 * time.Second, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := f.cfg
			cfg.ClockSkew = tc.skew
			v, err := callerauth.NewVerifier(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			c := good("1.0")
			c.IssuedAt, c.NotBefore, c.Expiry = tc.nbf, tc.nbf, tc.exp
			_, err = v.Verify(context.Background(), bearer(f.srv.Issue(c)))
			if (err == nil) != tc.wantValid {
				t.Fatalf("err = %v, want valid %v", err, tc.wantValid)
			}
		})
	}
}

func TestVerifyRequiresExpiry(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	c := good("2.0")
	c.Extra = map[string]any{"exp": nil}
	_, err := v.Verify(context.Background(), bearer(f.srv.Issue(c)))
	wantRejected(t, err, callerauth.ErrInvalid, "token has no expiry")
}

func TestVerifyRequiredRoles(t *testing.T) {
	f := newFixture(t)
	f.cfg.RequiredRoles = []string{roleCall}
	v := f.verifier(t)
	if _, err := v.Verify(context.Background(), bearer(f.srv.Issue(good("2.0")))); err != nil {
		t.Fatal(err)
	}
	for _, roles := range [][]string{nil, {"Other.Role"}, {strings.ToLower(roleCall)}} {
		c := good("2.0")
		c.Roles = roles
		_, err := v.Verify(context.Background(), bearer(f.srv.Issue(c)))
		wantRejected(t, err, callerauth.ErrForbidden, "required app role")
	}
}

// Only application (app-only) tokens are accepted unless delegated tokens
// are allowed: a user signed in to an allowed app is not that app.
func TestVerifyRefusesDelegatedTokens(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	for name, extra := range map[string]map[string]any{
		"scp":        {"scp": "user_impersonation"},
		"idtyp user": {"idtyp": "user"},
	} {
		c := good("2.0")
		c.Extra = extra
		_, err := v.Verify(context.Background(), bearer(f.srv.Issue(c)))
		if !errors.Is(err, callerauth.ErrForbidden) {
			t.Errorf("%s: err = %v, want forbidden", name, err)
		}
	}
	f.cfg.AllowDelegated = true
	v = f.verifier(t)
	c := good("2.0")
	c.Extra = map[string]any{"scp": "user_impersonation"}
	if _, err := v.Verify(context.Background(), bearer(f.srv.Issue(c))); err != nil {
		t.Errorf("allowed delegated token refused: %v", err)
	}
}

// The app id claim depends on the token version: appid (v1), azp (v2).
// A token whose version does not match the claim it carries names no app.
func TestVerifyTakesAppIDFromVersionSpecificClaim(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	cases := map[string]oidc.Claims{
		"v1 with only azp":   {Version: "1.0", Audience: apiURI, Extra: map[string]any{"appid": nil, "azp": hrAppID}},
		"v2 with only appid": {Version: "2.0", Audience: apiURI, Extra: map[string]any{"azp": nil, "appid": hrAppID}},
		"unknown version":    {Version: "3.0", Audience: apiURI, AppID: hrAppID, Issuer: f.srv.V2Issuer()},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), bearer(f.srv.Issue(c)))
			wantRejected(t, err, callerauth.ErrInvalid, "token names no caller application")
		})
	}
}

func TestVerifyAppIDIsCaseInsensitive(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	c := good("1.0")
	c.AppID = strings.ToUpper(hrAppID)
	if _, err := v.Verify(context.Background(), bearer(f.srv.Issue(c))); err != nil {
		t.Fatal(err)
	}
}

func TestCallerContext(t *testing.T) {
	if _, ok := callerauth.FromContext(context.Background()); ok {
		t.Fatal("empty context has a caller")
	}
	want := callerauth.Caller{AppID: hrAppID, ObjectID: "o", TenantID: "t", Roles: []string{roleCall}}
	got, ok := callerauth.FromContext(callerauth.WithCaller(context.Background(), want))
	if !ok || got.AppID != want.AppID || got.ObjectID != want.ObjectID {
		t.Fatalf("FromContext = %+v, %v", got, ok)
	}
}
