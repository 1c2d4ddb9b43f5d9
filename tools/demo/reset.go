package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/sandbox"
)

// Sandbox users of the reset scenarios.
const (
	sam  = "10000000-0000-4000-8000-000000000009" // six MFA methods
	mara = "10000000-0000-4000-8000-000000000002" // Sam's manager
	gina = "10000000-0000-4000-8000-000000000006" // Global Administrator
)

// resets plays the approved MFA reset: Entitlement Management's callout
// through the relay (replayed, as Entra retries), then the host's queue
// loop running MfaReset.
func (t *trace) resets(ctx context.Context, n int) error {
	for i, target := range []struct{ title, id string }{
		{"Approved MFA reset for Sam (asked by his manager; the callout arrives twice)", sam},
		{"Approved MFA reset for a Global Administrator", gina},
	} {
		heading(fmt.Sprintf("%d. %s", n+i, target.title))
		if err := t.reset(ctx, target.id); err != nil {
			return err
		}
	}
	return nil
}

func (t *trace) reset(ctx context.Context, target string) error {
	g := t.e.sandbox.Graph
	requestID := uuid.NewString()
	g.AddAssignmentRequest(requestID)
	body := callout(requestID, target)
	for range 2 {
		resp, err := t.e.sim.HTTP(ctx, "AccessPackageCallout", hostsim.Request{Method: "POST", Body: body, Headers: http.Header{
			"Content-Type": {"application/json"}, "Authorization": {"Bearer " + t.e.sandbox.RelayToken()}, "X-Functions-Key": {functionKey},
		}})
		if err != nil {
			return err
		}
		step("relay POST /api/callouts/access-package", fmt.Sprintf("%d %s", resp.StatusCode, compact(resp.Body)))
	}
	g.ResetRequests()
	mails, resumes := len(g.Outbox()), len(g.ResumeCalls())
	res, err := t.e.sim.DrainQueue(ctx, "MfaReset", hostsim.DrainOptions{})
	if err != nil {
		return err
	}
	step("host queue loop on mfa-reset", fmt.Sprintf("%d invocation(s), %d succeeded, %d poisoned", res.Invocations, res.Succeeded, res.Poisoned))
	t.graphCalls(mails)
	for _, c := range g.ResumeCalls()[resumes:] {
		state := "continue"
		if s, ok := c.Data["state"].(string); ok {
			state = s
		}
		step("  request resumed ("+state+")", fmt.Sprint(c.Data["customExtensionStageInstanceDetail"]))
	}
	if res.Invocations != 1 || res.Succeeded != 1 {
		t.failures++
	}
	return nil
}

// callout is the body Entitlement Management sends for an approved
// request, as the relay forwards it.
func callout(requestID, target string) []byte {
	b, _ := json.Marshal(map[string]any{
		"AccessPackageAssignmentRequestId": requestID,
		"CustomExtensionStageInstanceId":   uuid.NewString(),
		"CallbackUriPath":                  "/identityGovernance/entitlementManagement/accessPackageAssignmentRequests/" + requestID + "/resume",
		"Stage":                            "assignmentRequestApproved",
		"AccessPackage":                    map[string]any{"Id": uuid.NewString(), "DisplayName": "MFA reset"},
		"Assignment":                       map[string]any{"Target": map[string]any{"ObjectId": target}},
		"Requestor":                        map[string]any{"ObjectId": mara},
	})
	return b
}

// phoneSync plays the directory system syncing two users' MFA mobiles
// from extensionAttribute15.
func (t *trace) phoneSync(ctx context.Context, n int) error {
	heading(fmt.Sprintf("%d. Phone sync for Nora and Sam from extensionAttribute15", n))
	g := t.e.sandbox.Graph
	g.ResetRequests()
	body := []byte(`[{"UserPrincipalName":"nora.new@contoso.example"},{"UserPrincipalName":"sam.six@contoso.example"}]`)
	resp, err := t.e.sim.HTTP(ctx, "PhoneSync", hostsim.Request{Method: "POST", Body: body, Headers: http.Header{
		"Content-Type": {"application/json"}, "Authorization": {"Bearer " + t.e.sandbox.TokenFor(sandbox.SyncAppID)},
		"X-Functions-Key": {functionKey},
	}})
	if err != nil {
		return err
	}
	step("POST /api/webhooks/phone-sync", string(body))
	t.graphCalls(len(g.Outbox()))
	step(fmt.Sprintf("answer %d", resp.StatusCode), compact(resp.Body))
	if resp.StatusCode != http.StatusOK {
		t.failures++
	}
	return nil
}

// expiry runs the temporary CA group timer once: Sam joined minutes ago
// (kept), Nora was put there by hand with no record (removed by policy).
func (t *trace) expiry(ctx context.Context, n int) error {
	heading(fmt.Sprintf("%d. The temporary CA group timer runs", n))
	g := t.e.sandbox.Graph
	g.ResetRequests()
	if err := t.e.sim.Timer(ctx, "CaGroupExpiry", false); err != nil {
		return err
	}
	t.graphCalls(len(g.Outbox()))
	step("members left", fmt.Sprint(g.GroupMembers(sandbox.CAGroupID)))
	return nil
}
