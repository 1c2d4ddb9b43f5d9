package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/logcapture"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble/queryrec"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/sandbox"
)

func TestMain(m *testing.M) { os.Exit(azurite.RunTests(m)) }

// inProcess is the handler's own wiring (settings from the environment,
// managed-identity credential, Graph client, token verification) serving
// from an httptest server against a fresh sandbox tenant.
type inProcess struct {
	sb   *sandbox.Sandbox
	url  string
	logs *logcapture.Buffer
}

func startInProcess(t testing.TB) *inProcess {
	t.Helper()
	sb, err := sandbox.Start(graphtest.SeedPath(), graphdouble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	queryrec.Watch(t, sb.Graph)
	for k, v := range sb.HandlerEnv(azurite.ForTest(t).ConnectionString()) {
		t.Setenv(k, v)
	}
	settings, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	log, buf := logcapture.New(slog.LevelDebug)
	srv := host.NewServer(log)
	a, err := newApp(context.Background(), settings, log)
	if err != nil {
		t.Fatal(err)
	}
	srv.Ready(a.functions())
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &inProcess{sb: sb, url: ts.URL, logs: buf}
}

type reply struct {
	Status        int
	TAPID         string `json:"tapId"`
	Error, Detail string
}

func (p *inProcess) newHire(t *testing.T, token, body string) reply {
	t.Helper()
	req, _ := http.NewRequest("POST", p.url+"/api/new-hire/tap", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%d %s: %v", resp.StatusCode, raw, err)
	}
	return r
}

func TestNewHireTapWithManagedIdentityAndCallerToken(t *testing.T) {
	p := startInProcess(t)
	token := p.sb.CallerToken()
	r := p.newHire(t, token, `{"user":"nora.new@contoso.example"}`)
	if r.Status != http.StatusCreated || r.TAPID == "" {
		t.Fatalf("got %+v", r)
	}
	issued := p.sb.Graph.IssuedTAPs(graphtest.Nora)
	out := p.sb.Graph.Outbox()
	if len(issued) != 1 || len(out) != 1 || !strings.Contains(out[0].Body, issued[0].Value) {
		t.Fatalf("issued %d passes, %d mails", len(issued), len(out))
	}
	if p.sb.Issuer.TokenRequests() != 1 {
		t.Errorf("managed-identity token requests = %d, want 1 (cached)", p.sb.Issuer.TokenRequests())
	}
	logs := p.logs.String()
	for _, secret := range []string{issued[0].Value, token, strings.Split(token, ".")[2]} {
		if strings.Contains(logs, secret) {
			t.Fatal("a pass or token reached the logs")
		}
	}
}

func TestNewHireTapRefusesBadTokens(t *testing.T) {
	p := startInProcess(t)
	want := map[oidc.Forgery]int{}
	for _, f := range oidc.AllForgeries() {
		want[f] = http.StatusUnauthorized
	}
	want[oidc.ForgeDisallowedApp] = http.StatusForbidden
	var tokens []string
	for f, status := range want {
		tok := p.sb.Forged(f)
		tokens = append(tokens, tok)
		r := p.newHire(t, tok, `{"user":"nora.new@contoso.example"}`)
		if r.Status != status || r.Error == "" {
			t.Errorf("%v: got %+v, want %d", f, r, status)
		}
	}
	delegated := p.sb.Issuer.Issue(oidc.Claims{Version: "2.0", Audience: sandbox.AppAudience, AppID: sandbox.HRAppID,
		Extra: map[string]any{"scp": "user_impersonation"}})
	if r := p.newHire(t, delegated, `{"user":"nora.new@contoso.example"}`); r.Status != http.StatusForbidden {
		t.Errorf("delegated token: %+v", r)
	}
	if r := p.newHire(t, "", `{"user":"nora.new@contoso.example"}`); r.Status != http.StatusUnauthorized || r.Error != "missing_token" {
		t.Errorf("no token: %+v", r)
	}
	if n := len(p.sb.Graph.IssuedTAPs(graphtest.Nora)); n != 0 {
		t.Errorf("%d passes minted for refused callers", n)
	}
	if n := len(p.sb.Graph.Requests()); n != 0 {
		t.Errorf("refused callers reached Graph %d times", n)
	}
	logs := p.logs.String()
	if strings.Count(logs, `"outcome":"refused"`) < len(want)+2 {
		t.Errorf("want one refusal audit per call:\n%s", logs)
	}
	for _, tok := range append(tokens, delegated) {
		for _, part := range strings.Split(tok, ".") {
			if len(part) > 16 && strings.Contains(logs, part) {
				t.Fatal("token text reached the logs")
			}
		}
	}
}

func TestBodyOverOneMiBIsRefused(t *testing.T) {
	p := startInProcess(t)
	big := `{"user":"` + strings.Repeat("a", 1<<20) + `@contoso.example"}`
	r := p.newHire(t, p.sb.CallerToken(), big)
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("got %+v", r)
	}
	if len(p.sb.Graph.Requests()) != 0 {
		t.Error("an oversized body reached Graph")
	}
}
