package oidc_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
)

func start(t *testing.T, opts oidc.Options) *oidc.Server {
	t.Helper()
	srv, err := oidc.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func getJSON(t *testing.T, c *http.Client, url string, v any) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestDiscoveryPointsAtKeys(t *testing.T) {
	srv := start(t, oidc.Options{})
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	getJSON(t, srv.Client(), srv.URL+"/"+srv.TenantID()+"/v2.0/.well-known/openid-configuration", &doc)
	if doc.Issuer != srv.V2Issuer() || doc.JWKSURI != srv.JWKSURL() {
		t.Fatalf("discovery = %+v", doc)
	}
	var keys jose.JSONWebKeySet // go-jose checks x5t against x5c here
	getJSON(t, srv.Client(), doc.JWKSURI, &keys)
	if len(keys.Keys) != 1 || keys.Keys[0].KeyID != srv.KeyID() || keys.Keys[0].Use != "sig" ||
		len(keys.Keys[0].Certificates) != 1 || !keys.Keys[0].IsPublic() {
		t.Fatalf("keys = %+v", keys)
	}
	if srv.KeyRequests() != 1 {
		t.Fatalf("KeyRequests = %d", srv.KeyRequests())
	}
}

func TestStartTLS(t *testing.T) {
	srv, err := oidc.StartTLS(oidc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.JWKSURL(), "https://127.0.0.1:") {
		t.Fatalf("JWKSURL = %s", srv.JWKSURL())
	}
	var keys jose.JSONWebKeySet
	getJSON(t, srv.Client(), srv.JWKSURL(), &keys)
}

func TestRotateKeyKeepsOldKeyPublished(t *testing.T) {
	srv := start(t, oidc.Options{})
	old := srv.KeyID()
	kid, err := srv.RotateKey()
	if err != nil {
		t.Fatal(err)
	}
	if kid == old || srv.KeyID() != kid {
		t.Fatalf("kid %s after rotation from %s, current %s", kid, old, srv.KeyID())
	}
	var keys jose.JSONWebKeySet
	getJSON(t, srv.Client(), srv.JWKSURL(), &keys)
	if len(keys.Key(old)) != 1 || len(keys.Key(kid)) != 1 {
		t.Fatalf("published keys = %d", len(keys.Keys))
	}
}

// claimsOf verifies tok against the published key and returns its claims.
func claimsOf(t *testing.T, srv *oidc.Server, tok string) (map[string]any, jose.Header) {
	t.Helper()
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	var keys jose.JSONWebKeySet
	getJSON(t, srv.Client(), srv.JWKSURL(), &keys)
	var m map[string]any
	if err := parsed.Claims(keys.Keys[0].Key, &m); err != nil {
		t.Fatal(err)
	}
	return m, parsed.Headers[0]
}

func TestIssueShapesV1AndV2(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	srv := start(t, oidc.Options{TenantID: "tid-1", Now: func() time.Time { return now }})
	v1, hdr := claimsOf(t, srv, srv.Issue(oidc.Claims{Version: "1.0", Audience: "api://a", AppID: "app", ObjectID: "obj", Roles: []string{"R"}}))
	want := map[string]any{"iss": "https://sts.windows.net/tid-1/", "aud": "api://a", "tid": "tid-1",
		"appid": "app", "oid": "obj", "sub": "obj", "ver": "1.0",
		"iat": float64(now.Add(-5 * time.Minute).Unix()), "exp": float64(now.Add(time.Hour).Unix())}
	for k, w := range want {
		if v1[k] != w {
			t.Errorf("v1 %s = %v, want %v", k, v1[k], w)
		}
	}
	if _, ok := v1["azp"]; ok {
		t.Error("v1 token carries azp")
	}
	if hdr.KeyID != srv.KeyID() || hdr.ExtraHeaders["x5t"] != srv.KeyID() || hdr.ExtraHeaders["typ"] != "JWT" {
		t.Errorf("header = %+v", hdr)
	}
	v2, _ := claimsOf(t, srv, srv.Issue(oidc.Claims{Audience: "client-id", AppID: "app"}))
	if v2["iss"] != "https://login.microsoftonline.com/tid-1/v2.0" || v2["azp"] != "app" || v2["ver"] != "2.0" {
		t.Errorf("v2 claims = %v", v2)
	}
	if _, ok := v2["appid"]; ok {
		t.Error("v2 token carries appid")
	}
}

func TestForgeriesAreDistinct(t *testing.T) {
	srv := start(t, oidc.Options{})
	seen := map[string]oidc.Forgery{}
	for _, f := range oidc.AllForgeries() {
		if strings.HasPrefix(f.String(), "Forgery(") {
			t.Errorf("%d has no name", int(f))
		}
		tok := srv.Forge(f, oidc.Claims{Audience: "api://a", AppID: "app", ObjectID: "o"})
		if prev, dup := seen[tok]; dup {
			t.Errorf("%v and %v forge the same token", f, prev)
		}
		seen[tok] = f
	}
	if _, err := jwt.ParseSigned(srv.Forge(oidc.ForgeAlgNone, oidc.Claims{}), []jose.SignatureAlgorithm{jose.RS256}); err == nil {
		t.Error("alg none parsed as RS256")
	}
}
