package graphdouble

import "testing"

func resumeBody() map[string]any {
	return map[string]any{
		"source": "Contoso.MfaReset",
		"type":   "microsoft.graph.accessPackageCustomExtensionStage.assignmentRequestApproved",
		"data": map[string]any{
			"@odata.type":                        "microsoft.graph.accessPackageAssignmentRequestCallbackData",
			"stage":                              "assignmentRequestApproved",
			"customExtensionStageInstanceId":     "957d0c50-466b-4840-bb5b-c92cea7141ff",
			"customExtensionStageInstanceDetail": "MFA reset done; TAP issued",
		},
	}
}

func TestResumeOnce(t *testing.T) {
	f := newFixture(t, Options{})
	p := "/v1.0/identityGovernance/entitlementManagement/assignmentRequests/" + requestID + "/resume"
	f.expect(f.do("POST", p, resumeBody()), 204)
	f.expect(f.do("POST", p, resumeBody()), 400) // no longer waiting
	calls := f.d.ResumeCalls()
	if len(calls) != 1 || calls[0].RequestID != requestID || calls[0].Data["customExtensionStageInstanceDetail"] != "MFA reset done; TAP issued" {
		t.Errorf("calls: %+v", calls)
	}
	f.expect(f.do("POST", "/v1.0/identityGovernance/entitlementManagement/assignmentRequests/unknown/resume", resumeBody()), 404)
}

func TestResumeBetaPathAndValidation(t *testing.T) {
	f := newFixture(t, Options{})
	f.d.AddAssignmentRequest("r2")
	p := "/beta/identityGovernance/entitlementManagement/accessPackageAssignmentRequests/r2/resume"
	bad := resumeBody()
	delete(bad["data"].(map[string]any), "@odata.type") // abstract type needs it
	f.expect(f.do("POST", p, bad), 400)
	bad = resumeBody()
	bad["data"].(map[string]any)["stage"] = "approved"
	f.expect(f.do("POST", p, bad), 400)
	deny := resumeBody()
	deny["data"].(map[string]any)["state"] = "denied"
	f.expect(f.do("POST", p, deny), 204)
	f.d.View(func(t2 *Tenant) {
		if st := t2.AssignmentRequests[1].RequestStatus; st != "Denied" {
			t.Errorf("status %q", st)
		}
	})
}
