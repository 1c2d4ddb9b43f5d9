package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
)

// calloutBody is an approved-stage callout for target, requested by the
// manager.
func calloutBody(requestID, target string) string {
	b, _ := json.Marshal(map[string]any{
		"AccessPackageAssignmentRequestId": requestID,
		"CustomExtensionStageInstanceId":   uuid.NewString(),
		"CallbackUriPath":                  "/identityGovernance/entitlementManagement/accessPackageAssignmentRequests/" + requestID + "/resume",
		"Stage":                            "assignmentRequestApproved",
		"Assignment":                       map[string]any{"Target": map[string]any{"ObjectId": target}},
		"Requestor":                        map[string]any{"ObjectId": graphtest.Mara},
	})
	return string(b)
}

func (p *inProcess) post(tb testing.TB, path, token, body string) int {
	req, _ := http.NewRequest("POST", p.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestCalloutNeedsTheRelayIdentity(t *testing.T) {
	p := startInProcess(t)
	body := calloutBody(uuid.NewString(), graphtest.Sam)
	if s := p.post(t, "/api/callouts/access-package", p.sb.CallerToken(), body); s != http.StatusForbidden {
		t.Errorf("the HR app's token: %d, want 403", s)
	}
	if s := p.post(t, "/api/callouts/access-package", p.sb.RelayToken(), body); s != http.StatusAccepted {
		t.Errorf("the relay's token: %d, want 202", s)
	}
}

// BenchmarkAccessPackageCallout is the callout's whole path in process:
// token verification, parsing, the ledger insert and the enqueue on
// Azurite. It reports the median and 99th percentile.
func BenchmarkAccessPackageCallout(b *testing.B) {
	p := startInProcess(b)
	token := p.sb.RelayToken()
	var took []time.Duration
	for b.Loop() {
		body := calloutBody(uuid.NewString(), graphtest.Sam)
		start := time.Now()
		if s := p.post(b, "/api/callouts/access-package", token, body); s != http.StatusAccepted {
			b.Fatalf("status %d", s)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "ms-p99")
}
