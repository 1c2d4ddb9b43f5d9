package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
)

// Nothing that is a full phone number, the handshake secret (old or
// rotated) or a token reaches a log line or an answer: not in successes,
// refusals, Graph failures and retries, or errors from bad input.
func TestNoNumberSecretOrTokenInLogs(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	// The Graph adapter logs through the captured logger too (retries).
	client, err := graph.New(graph.Config{
		BaseURL: f.rig.URL, Scope: "https://graph.microsoft.com/.default", Credential: &fake.TokenCredential{},
		Retry: graph.RetryPolicy{MaxAttempts: 3, Sleep: noSleep}, Logger: f.log,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Phones, f.svc.Guard = client, guard.Guard{Dir: client, ProtectedGroupID: graphtest.ProtectedGroup}
	f.addUser(t, dana, "dana@contoso.example", "", phone("mobile", "+1 2065550111"))
	f.rig.Double.AddFault(graphdouble.Throttle("PATCH", phonePath, 1, "1"))
	f.rig.Double.AddFault(graphdouble.Fault{Method: "POST", Path: phonesPath, Count: 1, Status: http.StatusBadRequest,
		Code: "badRequest", Message: "Invalid phone number '+1 2065550101' (2065550101)."})

	tok := f.token()
	answers := []string{
		f.call(t, request(`[
			{"UserPrincipalName": "nora.new@contoso.example"},
			{"UserPrincipalName": "dana@contoso.example", "Mobile": "+1 (206) 555-0123"},
			{"UserPrincipalName": "`+graphtest.Sam+`", "Mobile": "0044 7911 123456"},
			{"UserPrincipalName": "gina.admin@contoso.example", "Mobile": "+1 206 555 0166"},
			{"UserPrincipalName": "mara.manager@contoso.example", "Mobile": "+1 206 555 01"}
		]`, "Authorization", "Bearer "+tok)).Raw,
		f.call(t, request(`[{"UserPrincipalName":"una.nomanager@contoso.example","Mobile":"+1 206 555 0177"}]`, "message", handshake)).Raw,
		f.call(t, request(`[]`, "message", "rotated-"+handshake+"-guess")).Raw,
		f.call(t, request(`[{"UserPrincipalName":"a@b.example","Mobile":4255550188}]`, "Authorization", "Bearer "+tok)).Raw,
		f.call(t, request(`[]`, "Authorization", "Bearer "+f.idp.Forge(oidc.ForgeExpired, oidc.Claims{Audience: apiURI, AppID: hrAppID}))).Raw,
	}
	f.vault.SetSecret(secretName, "rotated-"+handshake)
	f.clock.Advance(time.Minute)
	answers = append(answers, f.call(t, request(`[]`, "message", "rotated-"+handshake)).Raw)

	logs := f.logs.String()
	if !strings.Contains(logs, `"msg":"graph call retried"`) || !strings.Contains(logs, `"action":"phonesync.user"`) {
		t.Fatalf("the scenario did not log what it should:\n%s", logs)
	}
	forbidden := []string{handshake, "rotated-" + handshake, tok, strings.Split(tok, ".")[2]}
	for _, s := range forbidden {
		if strings.Contains(logs, s) {
			t.Errorf("a secret or token reached the logs")
		}
	}
	// Every number the scenario used, as national digits: with all
	// punctuation stripped from a line, none may appear in it, however it
	// was formatted. (Masked numbers keep two digits.)
	numbers := []string{"2065550101", "2065550123", "7911123456", "2065550166", "20655501", "2065550177",
		"4255550188", "2065550111", "2065550109", "2065550103", "4255550109"}
	for _, text := range append(answers, logs) {
		for _, line := range strings.Split(text, "\n") {
			stripped := onlyDigits(line)
			for _, n := range numbers {
				if strings.Contains(stripped, n) {
					t.Errorf("number %s reached a log line or answer: %s", n, line)
				}
			}
		}
	}
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func noSleep(context.Context, time.Duration) error { return nil }
