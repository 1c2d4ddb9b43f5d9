package main

import (
	"strings"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/sandbox"
)

// PhoneSync through the host and the real binary: Nora's mobile method is
// created from extensionAttribute15; a forged token changes nothing.
func TestE2EPhoneSync(t *testing.T) {
	e := startE2E(t, nil)
	body := `[{"UserPrincipalName":"nora.new@contoso.example"}]`
	forged := e.sb.Issuer.Forge(oidc.ForgeOtherKey, oidc.Claims{Version: "1.0", Audience: sandbox.AppAudience, AppID: sandbox.SyncAppID})
	if resp := e.call(t, "PhoneSync", testFunctionKey, forged, body); resp.StatusCode != 401 {
		t.Fatalf("forged token: %d %s", resp.StatusCode, resp.Body)
	}
	if n := len(e.sb.Graph.Methods(graphtest.Nora)); n != 0 {
		t.Fatalf("a refused call changed methods: %d", n)
	}
	resp := e.call(t, "PhoneSync", testFunctionKey, e.sb.TokenFor(sandbox.SyncAppID), body)
	if resp.StatusCode != 200 || !strings.Contains(string(resp.Body), `"created"`) {
		t.Fatalf("sync: %d %s", resp.StatusCode, resp.Body)
	}
	ms := e.sb.Graph.Methods(graphtest.Nora)
	if len(ms) != 1 || ms[0].Type != graphdouble.MethodPhone || ms[0].PhoneNumber != "+1 2065550101" {
		t.Fatalf("methods %+v", ms)
	}
	if strings.Contains(string(resp.Body), "2065550101") {
		t.Error("the answer carries the full number")
	}
	e.proc.Stop()
	if strings.Contains(e.proc.Stdout()+e.proc.Stderr(), "2065550101") {
		t.Error("a full number reached the handler's output")
	}
}
