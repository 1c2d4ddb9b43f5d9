package callout

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseFixtures(t *testing.T) {
	approved := Callout{
		RequestID:           "5d6a8f8e-3b7c-4f1e-9a2d-7c1b0e4f6a21",
		StageInstanceID:     "a3f0c9d2-61b4-4e8a-8f57-0b9e2d4c1a77",
		CallbackURIPath:     "/identityGovernance/entitlementManagement/accessPackageAssignmentRequests/5d6a8f8e-3b7c-4f1e-9a2d-7c1b0e4f6a21/resume",
		Stage:               StageRequestApproved,
		RequestType:         "UserAdd",
		TargetObjectID:      "2f9c4a71-6e3b-4d8a-9f05-c7b1e2d3a4f6",
		TargetPrincipalName: "AlexW@contoso.onmicrosoft.com",
		RequestorObjectID:   "2f9c4a71-6e3b-4d8a-9f05-c7b1e2d3a4f6",
		AccessPackageID:     "0b2f6c1e-8d4a-4b3f-9e7c-2a5d1f0e9c33",
		AccessPackageName:   "MFA reset",
		CatalogID:           "c81d4e2a-7f3b-4a6c-b5e9-1d0f2a3b4c55",
	}
	oddCasing := approved
	oddCasing.RequestID = strings.ToUpper(approved.RequestID)
	oddCasing.StageInstanceID = strings.ToUpper(approved.StageInstanceID)
	oddCasing.CallbackURIPath = strings.Replace(approved.CallbackURIPath, approved.RequestID, oddCasing.RequestID, 1)
	oddCasing.RequestType = "userAdd"

	tests := []struct {
		file string
		want Callout
	}{
		{"approved.json", approved},
		{"odd_casing.json", oddCasing},
		{"request_created.json", Callout{
			RequestID:           "8e2b4d6f-1a3c-4e5b-9d7f-0c2e4a6b8d10",
			StageInstanceID:     "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9",
			CallbackURIPath:     "/identityGovernance/entitlementManagement/accessPackageAssignmentRequests/8e2b4d6f-1a3c-4e5b-9d7f-0c2e4a6b8d10/resume",
			Stage:               StageRequestCreated,
			RequestType:         "OnBehalfAdd",
			TargetObjectID:      "6b8d0f2a-4c6e-4b1d-a3f5-7e9b1d3f5a70",
			TargetPrincipalName: "MeganB@contoso.onmicrosoft.com",
			RequestorObjectID:   "9a7c5e3b-1f0d-4e2c-b4a6-8c0e2a4c6e81",
			AccessPackageID:     "0b2f6c1e-8d4a-4b3f-9e7c-2a5d1f0e9c33",
			AccessPackageName:   "MFA reset",
			CatalogID:           "c81d4e2a-7f3b-4a6c-b5e9-1d0f2a3b4c55",
		}},
		{"connection_test.json", Callout{Stage: StageConnectionTest, ConnectionTest: true}},
		{"legacy_connection_test.json", Callout{Stage: StageConnectionTest, ConnectionTest: true}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Parse(fixture(t, tt.file))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tt.want {
				t.Fatalf("Parse =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseRejectsLegacyShape(t *testing.T) {
	_, err := Parse(fixture(t, "legacy_flat.json"))
	wantParseError(t, err, "body", "pre-2023 flat callout shape")
}

func TestParseDocument(t *testing.T) {
	good := fixture(t, "approved.json")
	tests := []struct {
		name   string
		body   []byte
		reason string
	}{
		{"empty", nil, "not a JSON object"},
		{"whitespace", []byte(" \n\t"), "not a JSON object"},
		{"array", []byte("[" + string(good) + "]"), "not a JSON object"},
		{"string", []byte(`"{}"`), "not a JSON object"},
		{"null", []byte(`null`), "not a JSON object"},
		{"bom", append([]byte("\xef\xbb\xbf"), good...), "not a JSON object"},
		{"two objects", append(append([]byte{}, good...), good...), "trailing data"},
		{"trailing garbage", append(append([]byte{}, good...), "x"...), "trailing data"},
		{"trailing brace", append(append([]byte{}, good...), '}'), "trailing data"},
		{"truncated", good[:len(good)/2], "truncated JSON"},
		{"syntax", []byte(`{"Stage": assignmentRequestApproved}`), "invalid JSON"},
		{"too large", append(bytes.Repeat([]byte(" "), MaxBodySize), good...), "larger than 256 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.body)
			wantParseError(t, err, "body", tt.reason)
		})
	}
}

func TestParseAcceptsSurroundingWhitespaceAndMaxSize(t *testing.T) {
	good := fixture(t, "approved.json")
	padded := append(append([]byte("\r\n  "), good...), "\n\n"...)
	if _, err := Parse(padded); err != nil {
		t.Fatalf("padded: %v", err)
	}
	full := append(bytes.Repeat([]byte(" "), MaxBodySize-len(good)), good...)
	if _, err := Parse(full); err != nil {
		t.Fatalf("exactly MaxBodySize bytes: %v", err)
	}
}

func TestParseFields(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(m map[string]any)
		field  string
		reason string
	}{
		{"no request id", func(m map[string]any) { delete(m, "AccessPackageAssignmentRequestId") }, fieldRequestID, "missing"},
		{"request id not guid", func(m map[string]any) { m["AccessPackageAssignmentRequestId"] = "12345" }, fieldRequestID, "GUID"},
		{"braced guid", func(m map[string]any) {
			m["AccessPackageAssignmentRequestId"] = "{5d6a8f8e-3b7c-4f1e-9a2d-7c1b0e4f6a21}"
		}, fieldRequestID, "GUID"},
		{"request id wrong type", func(m map[string]any) { m["AccessPackageAssignmentRequestId"] = 42 }, fieldRequestID, "must be a JSON string"},
		{"no stage instance", func(m map[string]any) { m["CustomExtensionStageInstanceId"] = "" }, fieldStageInstanceID, "missing"},
		{"stage instance not guid", func(m map[string]any) {
			m["CustomExtensionStageInstanceId"] = "a3f0c9d2-61b4-4e8a-8f57-0b9e2d4c1a7g"
		}, fieldStageInstanceID, "GUID"},
		{"no stage", func(m map[string]any) { delete(m, "Stage") }, fieldStage, "missing"},
		{"stage with dot", func(m map[string]any) { m["Stage"] = "assignment.RequestApproved" }, fieldStage, "ASCII letters"},
		{"stage too long", func(m map[string]any) { m["Stage"] = strings.Repeat("a", 65) }, fieldStage, "ASCII letters"},
		{"no target", func(m map[string]any) { delete(m, "Assignment") }, fieldTarget, "missing"},
		{"null target", func(m map[string]any) { m["Assignment"].(map[string]any)["Target"] = nil }, fieldTarget, "missing"},
		{"target not guid", func(m map[string]any) { target(m)["ObjectId"] = "AlexW@contoso.com" }, fieldTarget, "GUID"},
		{"target wrong type", func(m map[string]any) { m["Assignment"] = "x" }, "Assignment", "must be a JSON object"},
		{"nested wrong type", func(m map[string]any) { target(m)["ObjectId"] = []int{1} }, fieldTarget, "must be a JSON string"},
		{"requestor not guid", func(m map[string]any) {
			m["Requestor"].(map[string]any)["ObjectId"] = "x"
		}, fieldRequestor, "GUID"},
		{"package not guid", func(m map[string]any) { m["AccessPackage"].(map[string]any)["Id"] = "x" }, fieldAccessPackage, "GUID"},
		{"catalog not guid", func(m map[string]any) {
			m["AccessPackageCatalog"].(map[string]any)["Id"] = "x"
		}, fieldCatalog, "GUID"},
		{"request type odd", func(m map[string]any) { m["RequestType"] = "User Add" }, fieldRequestType, "ASCII letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(mutated(t, tt.edit))
			wantParseError(t, err, tt.field, tt.reason)
		})
	}
}

func TestParseOptionalFieldsMayBeAbsent(t *testing.T) {
	body := mutated(t, func(m map[string]any) {
		for _, k := range []string{"Requestor", "AccessPackage", "AccessPackageCatalog", "RequestType"} {
			delete(m, k)
		}
		delete(target(m), "PrincipalName")
	})
	c, err := Parse(body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if c.RequestorObjectID != "" || c.AccessPackageID != "" || c.CatalogID != "" || c.TargetPrincipalName != "" {
		t.Fatalf("optional fields not empty: %+v", c)
	}
}

func TestParseCallbackURIPath(t *testing.T) {
	const p = "/identityGovernance/entitlementManagement/accessPackageAssignmentRequests/5d6a8f8e-3b7c-4f1e-9a2d-7c1b0e4f6a21/resume"
	tests := []struct {
		path   string
		reason string // "" = accepted
	}{
		{p, ""},
		{"/IDENTITYGOVERNANCE/entitlementmanagement/assignmentRequests/5d6a8f8e-3b7c-4f1e-9a2d-7c1b0e4f6a21/resume", ""},
		{"/identityGovernance/entitlementManagement/assignmentRequests(id='5d6a8f8e')/resume", ""},
		{"", "missing"},
		{"identityGovernance/entitlementManagement/x", "must start with"},
		{"/identityGovernance/entitlementManagement/", "must name a resource"},
		{"/identityGovernance/entitlementManagement", "must start with"},
		{"https://evil.example/identityGovernance/entitlementManagement/x", "must start with"},
		{"//evil.example/identityGovernance/entitlementManagement/x", "must start with"},
		{"/users/5d6a8f8e-3b7c-4f1e-9a2d-7c1b0e4f6a21/authentication/methods", "must start with"},
		{"/identityGovernance/entitlementManagementX/resume", "must start with"},
		{"/identityGovernance/entitlementManagement/../../users", "'..'"},
		{"/identityGovernance/entitlementManagement/a..b", "'..'"},
		{"/identityGovernance/entitlementManagement/./resume", "'.' segment"},
		{"/identityGovernance/entitlementManagement/x/.", "'.' segment"},
		{"/identityGovernance/entitlementManagement/x?$select=id", "query or fragment"},
		{"/identityGovernance/entitlementManagement/x#frag", "query or fragment"},
		{"/identityGovernance/entitlementManagement//evil.example", "empty segment"},
		{"/identityGovernance/entitlementManagement/%2e%2e/%2e%2e/users", "not allowed"},
		{"/identityGovernance/entitlementManagement/x\\..\\y", "'..'"},
		{"/identityGovernance/entitlementManagement/x\\y", "not allowed"},
		{"/identityGovernance/entitlementManagement/@evil.example", "not allowed"},
		{"/identityGovernance/entitlementManagement/x:443", "not allowed"},
		{"/identityGovernance/entitlementManagement/x y", "not allowed"},
		{"/identityGovernance/entitlementManagement/x\r\nHost: evil", "not allowed"},
		{"/identityGovernance/entitlementManagement/é", "not allowed"},
		{"/identityGovernance/entitlementManagement/" + strings.Repeat("a", 2048), "longer than 2048"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c, err := Parse(mutated(t, func(m map[string]any) { m["CallbackUriPath"] = tt.path }))
			if tt.reason == "" {
				if err != nil || c.CallbackURIPath != tt.path {
					t.Fatalf("Parse = %q, %v; want the path accepted", c.CallbackURIPath, err)
				}
				return
			}
			wantParseError(t, err, fieldCallbackURIPath, tt.reason)
		})
	}
}

func TestParseErrorNeverQuotesInput(t *testing.T) {
	const secret = "SECRET-VALUE-FROM-INPUT"
	bodies := [][]byte{
		[]byte(`{"Stage": ` + secret + `}`),
		[]byte(`{"` + secret + `": 1, "Stage": 2}`),
		mutated(t, func(m map[string]any) { m["CallbackUriPath"] = "/" + secret }),
		mutated(t, func(m map[string]any) { target(m)["ObjectId"] = secret }),
		mutated(t, func(m map[string]any) { m["Stage"] = secret + "." }),
	}
	for _, b := range bodies {
		_, err := Parse(b)
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Fatalf("Parse(%s) error = %v; want an error without the input", b, err)
		}
	}
}

func TestParseIgnoresUnknownAndDuplicateFields(t *testing.T) {
	body := mutated(t, func(m map[string]any) {
		m["NewTopLevel"] = map[string]any{"x": []any{1, "two", nil}}
		m["Answers"] = "Entra changed this to a string" // ignored: we never decode Answers
	})
	if _, err := Parse(body); err != nil {
		t.Fatalf("Parse: %v", err)
	}
}

func TestParseSanitisesDisplayText(t *testing.T) {
	body := mutated(t, func(m map[string]any) {
		m["AccessPackage"].(map[string]any)["DisplayName"] = "MFA\nreset\u202e\tnow"
		target(m)["PrincipalName"] = strings.Repeat("a", 300)
	})
	c, err := Parse(body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if c.AccessPackageName != "MFA reset now" {
		t.Errorf("AccessPackageName = %q", c.AccessPackageName)
	}
	if n := len([]rune(c.TargetPrincipalName)); n != maxNameLength {
		t.Errorf("TargetPrincipalName has %d runes, want %d", n, maxNameLength)
	}
}

func TestParseConnectionTestNeedsNothingElse(t *testing.T) {
	for _, body := range []string{
		`{"Stage":"CustomExtensionConnectionTest"}`,
		`{"stage":"customextensionconnectiontest","CallbackUriPath":"https://evil.example"}`,
		`{"Event":"CustomActionConnectionTest"}`,
	} {
		c, err := Parse([]byte(body))
		if err != nil || !c.ConnectionTest || c != (Callout{Stage: StageConnectionTest, ConnectionTest: true}) {
			t.Errorf("Parse(%s) = %+v, %v; want a bare connection test", body, c, err)
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	a, err := Parse(fixture(t, "approved.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(fixture(t, "odd_casing.json"))
	if err != nil {
		t.Fatal(err)
	}
	const want = "5d6a8f8e-3b7c-4f1e-9a2d-7c1b0e4f6a21/a3f0c9d2-61b4-4e8a-8f57-0b9e2d4c1a77"
	if a.IdempotencyKey() != want || b.IdempotencyKey() != want {
		t.Fatalf("keys = %q, %q; want both %q", a.IdempotencyKey(), b.IdempotencyKey(), want)
	}
}
