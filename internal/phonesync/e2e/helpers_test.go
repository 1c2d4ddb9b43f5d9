package e2e_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/keyvault"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/logcapture"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/phonesync"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/secrets"
)

const (
	apiURI        = "api://mfa-recovery"
	hrAppID       = "22222222-2222-4222-8222-222222222222"
	secretName    = "phone-sync-handshake"
	handshake     = "Handshake-known-only-to-HR-7f3a9c"
	phonesPath    = "/v1.0/users/*/authentication/phoneMethods"
	phonePath     = phonesPath + "/*"
	syncPath      = "/api/webhooks/phone-sync"
	invocationID  = "d0c5e1f0-0000-4000-8000-00000000c0de"
	mobileID      = "3179e48a-750b-4051-897c-87b9720928f7"
	alternateID   = "b6332ec1-7057-4abe-9331-3d72feddfe41"
	extensionAttr = "extensionAttribute15"
)

// fixture is the real service over the real Graph SDK (against the Graph
// double), the real token verifier (against the OIDC double) and the real
// azsecrets client (against the Key Vault double).
type fixture struct {
	rig   *graphtest.Rig
	svc   *phonesync.Service
	logs  *logcapture.Buffer
	log   *slog.Logger
	vault *keyvault.Vault
	idp   *oidc.Server
	clock *clock.Fake
}

func setup(t testing.TB, opts graphdouble.Options, tune ...func(*config.PhoneSync)) *fixture {
	t.Helper()
	f := &fixture{rig: graphtest.New(t, opts), clock: clock.New(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))}
	logger, logs := logcapture.New(slog.LevelDebug)
	f.logs, f.log = logs, logger
	cfg := config.PhoneSync{
		CallerAppIDs: []string{hrAppID}, HandshakeHeader: "message", HandshakeSecret: secretName,
		Source: "onPremisesExtensionAttributes.extensionAttribute15", BatchLimit: 1000, Concurrency: 8,
		TimeBudget: 30 * time.Second,
	}
	for _, fn := range tune {
		fn(&cfg)
	}
	f.svc = &phonesync.Service{
		Phones:  f.rig.Client,
		Guard:   guard.Guard{Dir: f.rig.Client, ProtectedGroupID: graphtest.ProtectedGroup},
		Tokens:  f.verifier(t, logger),
		Secrets: f.store(t, logger),
		Cfg:     cfg,
		Audit:   audit.New(logger),
	}
	return f
}

func (f *fixture) verifier(t testing.TB, logger *slog.Logger) *callerauth.Verifier {
	idp, err := oidc.Start(oidc.Options{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idp.Close)
	f.idp = idp
	v, err := callerauth.NewVerifier(context.Background(), callerauth.Config{
		TenantID: idp.TenantID(), Audiences: []string{apiURI}, AllowedAppIDs: []string{hrAppID},
		JWKSURL: idp.JWKSURL(), HTTPClient: idp.Client(), Now: f.clock.Now, Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (f *fixture) store(t testing.TB, logger *slog.Logger) *secrets.Store {
	f.vault = keyvault.Start(keyvault.Options{})
	t.Cleanup(f.vault.Close)
	f.vault.SetSecret(secretName, handshake)
	client, err := f.vault.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	return secrets.NewStore(client, secrets.Options{Now: f.clock.Now, Logger: logger})
}

// token is a good application token from the allowed HR app.
func (f *fixture) token() string {
	return f.idp.Issue(oidc.Claims{Audience: apiURI, AppID: hrAppID})
}

func request(body string, headers ...string) *host.HTTPRequest {
	h := http.Header{"Content-Type": {"application/json"}, "X-Azure-Functions-Invocationid": {invocationID}}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Set(headers[i], headers[i+1])
	}
	return &host.HTTPRequest{Method: "POST", Path: syncPath, Headers: h, Body: []byte(body)}
}

// reply is a decoded answer: the 200 body or an error body.
type reply struct {
	Status int
	phonesync.Answer
	Error, Detail string
	Limit         int
	Raw           string
}

func (f *fixture) call(t testing.TB, req *host.HTTPRequest) reply {
	t.Helper()
	resp := f.svc.HTTP(context.Background(), req)
	if resp.Headers["Content-Type"] != "application/json" {
		t.Fatalf("content type %q", resp.Headers["Content-Type"])
	}
	r := reply{Status: resp.StatusCode, Raw: string(resp.Body)}
	if err := json.Unmarshal(resp.Body, &r); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	return r
}

// sync posts body with a good token and expects 200.
func (f *fixture) sync(t testing.TB, body string) reply {
	t.Helper()
	r := f.call(t, request(body, "Authorization", "Bearer "+f.token()))
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Raw)
	}
	return r
}

// addUser adds a member with extensionAttribute15 = source ("" for none)
// and the given phone methods.
func (f *fixture) addUser(t testing.TB, id, upn, source string, phones ...graphdouble.AuthMethod) {
	t.Helper()
	f.rig.Double.Update(func(tn *graphdouble.Tenant) {
		u := &graphdouble.User{ID: id, UserPrincipalName: upn, AccountEnabled: true, UserType: "Member"}
		if source != "" {
			u.OnPremisesExtensionAttributes = map[string]string{extensionAttr: source}
		}
		tn.Users = append(tn.Users, u)
	})
	for _, p := range phones {
		if _, err := f.rig.Double.AddMethod(id, p); err != nil {
			t.Fatal(err)
		}
	}
}

func phone(phoneType, number string) graphdouble.AuthMethod {
	return graphdouble.AuthMethod{Type: graphdouble.MethodPhone, PhoneType: phoneType, PhoneNumber: number}
}

// phones returns the user's phone numbers by type, as the double holds them.
func (f *fixture) phones(user string) map[string]string {
	out := map[string]string{}
	for _, m := range f.rig.Double.Methods(user) {
		if m.Type == graphdouble.MethodPhone {
			out[m.PhoneType] = m.PhoneNumber
		}
	}
	return out
}

// writes counts phone writes the double received.
func (f *fixture) writes() int {
	return f.rig.Double.CountRequests("POST", phonesPath) + f.rig.Double.CountRequests("PATCH", phonePath) +
		f.rig.Double.CountRequests("DELETE", phonePath)
}
