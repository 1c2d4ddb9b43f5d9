package main

import (
	"context"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/google/uuid"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
)

// The approved reset through the simulated host and the real binary: the
// callout (replayed) is forwarded, its job lands on Azurite, the host's
// queue loop runs MfaReset once. Sam holds both mobile phones and the
// alternateMobile is his default, the one case Graph refuses in either
// order until the default moves: no deletion is refused.
func TestE2EApprovedReset(t *testing.T) {
	e := startE2E(t, nil)
	if _, err := e.sb.Graph.AddMethod(graphtest.Sam, graphdouble.AuthMethod{
		Type: graphdouble.MethodPhone, PhoneType: "alternateMobile", PhoneNumber: "+1 2065550199"}); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.Graph.SetDefaultMethod(graphtest.Sam, graphdouble.PhoneIDAlternateMobile); err != nil {
		t.Fatal(err)
	}
	requestID := uuid.NewString()
	e.sb.Graph.AddAssignmentRequest(requestID)
	body := calloutBody(requestID, graphtest.Sam)
	relay := e.sb.RelayToken()
	for range 3 {
		if resp := e.call(t, "AccessPackageCallout", testFunctionKey, relay, body); resp.StatusCode != 202 || !resp.Forwarded {
			t.Fatalf("callout: %d %s", resp.StatusCode, resp.Body)
		}
	}
	res, err := e.sim.DrainQueue(context.Background(), "MfaReset", hostsim.DrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Invocations != 1 || res.Succeeded != 1 || res.Poisoned != 0 {
		t.Fatalf("drain: %+v", res)
	}
	d := e.sb.Graph
	taps := d.IssuedTAPs(graphtest.Sam)
	if len(taps) != 1 || len(d.ResumeCalls()) != 1 {
		t.Fatalf("%d passes, %d resumes", len(taps), len(d.ResumeCalls()))
	}
	for _, m := range d.Methods(graphtest.Sam) {
		if m.Type != graphdouble.MethodPassword && m.ID != taps[0].ID {
			t.Errorf("method left: %s", m.Type)
		}
	}
	for _, q := range d.RequestsMatching("DELETE", "/v1.0/users/*/authentication/*/*") {
		if q.Status != 204 {
			t.Errorf("refused: %v", q)
		}
	}
	e.proc.Stop()
	logs := e.proc.Stdout() + e.proc.Stderr()
	for _, secret := range []string{taps[0].Value, relay, strings.Split(relay, ".")[2], testFunctionKey} {
		if strings.Contains(logs, secret) {
			t.Fatal("a pass, token or key reached the handler's output")
		}
	}
}

// A job that keeps failing ends in mfa-reset-poison after the host's
// maxDequeueCount, with the reason audited and given to the approvers.
func TestE2EFailingResetGoesToPoison(t *testing.T) {
	e := startE2E(t, nil)
	e.sb.Graph.AddFault(graphdouble.Fault{Method: "DELETE", Path: "/v1.0/users/*/authentication/fido2Methods/*",
		Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."})
	requestID := uuid.NewString()
	e.sb.Graph.AddAssignmentRequest(requestID)
	if resp := e.call(t, "AccessPackageCallout", testFunctionKey, e.sb.RelayToken(), calloutBody(requestID, graphtest.Sam)); resp.StatusCode != 202 {
		t.Fatalf("callout: %d", resp.StatusCode)
	}
	res, err := e.sim.DrainQueue(context.Background(), "MfaReset", hostsim.DrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Invocations != 5 || res.Poisoned != 1 {
		t.Fatalf("drain: %+v", res)
	}
	if n := poisonCount(t, e); n != 1 {
		t.Fatalf("%d messages in mfa-reset-poison", n)
	}
	calls := e.sb.Graph.ResumeCalls()
	if len(calls) != 1 || !strings.Contains(strings.ToLower(detail(calls[0])), "insufficient privileges") {
		t.Fatalf("resume: %+v", calls)
	}
	e.proc.Stop()
	if logs := e.proc.Stdout(); !strings.Contains(logs, `"outcome":"failed"`) || !strings.Contains(logs, "Insufficient privileges") {
		t.Errorf("the reason is not in the audit log")
	}
}

func poisonCount(t *testing.T, e *e2e) int {
	t.Helper()
	svc, err := queue.ServiceClient(e.az.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	props, err := svc.NewQueueClient("mfa-reset-poison").GetProperties(context.Background(), &azqueue.GetQueuePropertiesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return int(*props.ApproximateMessagesCount)
}

func detail(c graphdouble.ResumeCall) string {
	s, _ := c.Data["customExtensionStageInstanceDetail"].(string)
	return s
}
