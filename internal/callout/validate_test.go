package callout

import "testing"

func TestValidate(t *testing.T) {
	approved, err := Parse(fixture(t, "approved.json"))
	if err != nil {
		t.Fatal(err)
	}
	test, err := Parse(fixture(t, "connection_test.json"))
	if err != nil {
		t.Fatal(err)
	}
	onlyApproved := []string{StageRequestApproved}
	tests := []struct {
		name    string
		c       Callout
		allowed []string
		field   string
		reason  string // "" = valid
	}{
		{"allowed", approved, onlyApproved, "", ""},
		{"allowed any case", approved, []string{"ASSIGNMENTREQUESTAPPROVED"}, "", ""},
		{"stage not allowed", approved, []string{StageRequestCreated}, fieldStage, "not an allowed stage"},
		{"nothing allowed", approved, nil, fieldStage, "not an allowed stage"},
		{"connection test", test, onlyApproved, fieldStage, "connection test"},
		{"zero value", Callout{}, onlyApproved, fieldRequestID, "missing"},
		{"bad path", with(approved, func(c *Callout) { c.CallbackURIPath = "/me" }), onlyApproved, fieldCallbackURIPath, "must start with"},
		{"bad target", with(approved, func(c *Callout) { c.TargetObjectID = "me" }), onlyApproved, fieldTarget, "GUID"},
		{"bad catalog", with(approved, func(c *Callout) { c.CatalogID = "x" }), onlyApproved, fieldCatalog, "GUID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate(tt.allowed)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			wantParseError(t, err, tt.field, tt.reason)
		})
	}
}

func with(c Callout, edit func(*Callout)) Callout {
	edit(&c)
	return c
}
