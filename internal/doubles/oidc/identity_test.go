package oidc_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
)

const (
	miClientID = "55555555-5555-4555-8555-555555555555"
	miObjectID = "66666666-6666-4666-8666-666666666666"
	uaClientID = "77777777-7777-4777-8777-777777777777"
	uaObjectID = "88888888-8888-4888-8888-888888888888"
)

// resource is unique per test run: MSAL caches managed-identity tokens in
// a process-wide cache keyed by identity and resource, which would otherwise
// hand a later run (go test -count=2) an earlier issuer's token.
func resource(t *testing.T) string { return "api://mfa-recovery-" + t.Name() + "-" + rand.Text() }

func startWithIdentities(t *testing.T, res string) *oidc.Server {
	return start(t, oidc.Options{Identities: []oidc.Identity{
		{ClientID: miClientID, ObjectID: miObjectID, Roles: map[string][]string{res: {"Recovery.Invoke"}}},
		{ClientID: uaClientID, ObjectID: uaObjectID, UserAssigned: true,
			ResourceID: "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ua"},
	}})
}

func setIdentityEnv(t *testing.T, srv *oidc.Server) {
	for k, v := range srv.IdentityEnv() {
		t.Setenv(k, v)
	}
}

func verifierFor(t *testing.T, srv *oidc.Server, res string, apps ...string) *callerauth.Verifier {
	t.Helper()
	v, err := callerauth.NewVerifier(context.Background(), callerauth.Config{
		TenantID:      srv.TenantID(),
		Audiences:     []string{res},
		AllowedAppIDs: apps,
		RequiredRoles: []string{"Recovery.Invoke"},
		JWKSURL:       srv.JWKSURL(),
		HTTPClient:    srv.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The real azidentity credential gets a token from the double, caches it,
// and the token passes callerauth as the relay's identity.
func TestManagedIdentityCredentialAgainstDouble(t *testing.T) {
	res := resource(t)
	srv := startWithIdentities(t, res)
	setIdentityEnv(t, srv)
	cred, err := azidentity.NewManagedIdentityCredential(nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tro := policy.TokenRequestOptions{Scopes: []string{res + "/.default"}}
	tok, err := cred.GetToken(ctx, tro)
	if err != nil {
		t.Fatal(err)
	}
	if until := time.Until(tok.ExpiresOn); until < 50*time.Minute || until > 61*time.Minute {
		t.Fatalf("ExpiresOn in %v, want about an hour", until)
	}
	if _, err := cred.GetToken(ctx, tro); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokenRequests(); n != 1 {
		t.Fatalf("token requests = %d, want 1 (second GetToken served from cache)", n)
	}
	caller, err := verifierFor(t, srv, res, miClientID).Verify(ctx, "Bearer "+tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	if caller.AppID != miClientID || caller.ObjectID != miObjectID || caller.TenantID != srv.TenantID() {
		t.Fatalf("caller = %+v", caller)
	}
}

func TestUserAssignedIdentityByClientID(t *testing.T) {
	res := resource(t)
	srv := startWithIdentities(t, res)
	setIdentityEnv(t, srv)
	cred, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{
		ID: azidentity.ClientID(uaClientID),
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{res + "/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	// The user-assigned identity holds no role on res, so it authenticates
	// but is refused.
	_, err = verifierFor(t, srv, res, uaClientID).Verify(context.Background(), "Bearer "+tok.Token)
	if err == nil || err.Error() != "caller not allowed: caller lacks a required app role" {
		t.Fatalf("err = %v", err)
	}
}

func TestUnknownUserAssignedIdentityFails(t *testing.T) {
	res := resource(t)
	srv := startWithIdentities(t, res)
	setIdentityEnv(t, srv)
	cred, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{
		ID: azidentity.ClientID("99999999-9999-4999-8999-999999999999"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{res + "/.default"}}); err == nil {
		t.Fatal("token for an identity the endpoint does not have")
	}
}

// Requests azidentity would never send are refused the way App Service does.
func TestIdentityEndpointRefusesBadRequests(t *testing.T) {
	srv := startWithIdentities(t, "r")
	good := url.Values{"api-version": {"2019-08-01"}, "resource": {"r"}}
	cases := []struct {
		name   string
		header string
		query  url.Values
		want   int
	}{
		{"no secret header", "", good, http.StatusUnauthorized},
		{"wrong secret header", "nope", good, http.StatusUnauthorized},
		{"old api version", srv.IdentityHeader(), url.Values{"api-version": {"2017-09-01"}, "resource": {"r"}}, http.StatusBadRequest},
		{"no resource", srv.IdentityHeader(), url.Values{"api-version": {"2019-08-01"}}, http.StatusBadRequest},
		{"unknown object id", srv.IdentityHeader(), url.Values{"api-version": {"2019-08-01"}, "resource": {"r"}, "object_id": {"x"}}, http.StatusBadRequest},
		{"ok by resource id", srv.IdentityHeader(), url.Values{"api-version": {"2019-08-01"}, "resource": {"r"}, "mi_res_id": {srv.Identities()[1].ResourceID}}, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.IdentityEndpoint()+"?"+tc.query.Encode(), nil)
			if tc.header != "" {
				req.Header.Set("X-IDENTITY-HEADER", tc.header)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tc.want {
				t.Fatalf("status = %d, want %d (%v)", resp.StatusCode, tc.want, body)
			}
			if tc.want == http.StatusOK && (body["client_id"] != uaClientID || body["token_type"] != "Bearer" || body["resource"] != "r") {
				t.Fatalf("body = %v", body)
			}
		})
	}
}
