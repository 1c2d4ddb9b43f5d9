package config

import (
	"strings"
	"testing"
	"time"
)

const (
	tenant = "11111111-2222-3333-4444-555555555555"
	group  = "99999999-8888-7777-6666-555555555555"
	app    = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
)

func env(over map[string]string) func(string) (string, bool) {
	base := map[string]string{
		"TENANT_ID":                     tenant,
		"AzureWebJobsStorage":           "UseDevelopmentStorage=true",
		"CALLER_AUDIENCES":              "api://mfa-recovery",
		"PROTECTED_GROUP_ID":            group,
		"MAIL_SENDER":                   "mfa-recovery@contoso.com",
		"NEW_HIRE_CALLER_APP_IDS":       app,
		"ACCESS_PACKAGE_CALLER_APP_IDS": app,
	}
	for k, v := range over {
		if v == "<unset>" {
			delete(base, k)
			continue
		}
		base[k] = v
	}
	return func(k string) (string, bool) { v, ok := base[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	s, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.Graph.BaseURL != "https://graph.microsoft.com/v1.0" || s.Graph.Scope != "https://graph.microsoft.com/.default" {
		t.Errorf("graph defaults: %+v", s.Graph)
	}
	if s.Graph.Credential != CredentialManagedIdentity {
		t.Errorf("credential default %q", s.Graph.Credential)
	}
	if s.NewHire.TAPLifetimeMinutes != 120 {
		t.Errorf("TAP lifetime default %d", s.NewHire.TAPLifetimeMinutes)
	}
	wantIss := []string{"https://sts.windows.net/" + tenant + "/", "https://login.microsoftonline.com/" + tenant + "/v2.0"}
	if strings.Join(s.CallerAuth.Issuers, " ") != strings.Join(wantIss, " ") {
		t.Errorf("issuers %v", s.CallerAuth.Issuers)
	}
	if s.CallerAuth.JWKSURL != "https://login.microsoftonline.com/"+tenant+"/discovery/v2.0/keys" {
		t.Errorf("jwks %s", s.CallerAuth.JWKSURL)
	}
	if s.CallerAuth.ClockSkew != 2*time.Minute {
		t.Errorf("skew %v", s.CallerAuth.ClockSkew)
	}
}

func TestSovereignCloudScope(t *testing.T) {
	s, err := Load(env(map[string]string{"GRAPH_BASE_URL": "https://graph.microsoft.us/v1.0/"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Graph.Scope != "https://graph.microsoft.us/.default" || s.Graph.BaseURL != "https://graph.microsoft.us/v1.0" {
		t.Errorf("got %+v", s.Graph)
	}
}

func TestEveryProblemInOneMessage(t *testing.T) {
	_, err := Load(env(map[string]string{
		"TENANT_ID":                     "<unset>",
		"PROTECTED_GROUP_ID":            "not-a-guid",
		"MAIL_SENDER":                   "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/sender/)",
		"NEW_HIRE_TAP_LIFETIME_MINUTES": "5",
		"GRAPH_BASE_URL":                "http://graph.example.com/v1.0",
		"GRAPH_CREDENTIAL":              "client-secret",
		"LOG_LEVEL":                     "loud",
		"NEW_HIRE_CALLER_APP_IDS":       "hr-app",
	}))
	if err == nil {
		t.Fatal("expected an error")
	}
	msg := err.Error()
	for _, want := range []string{
		"TENANT_ID: required",
		"PROTECTED_GROUP_ID: must be an object id",
		"MAIL_SENDER: unresolved Key Vault reference",
		"NEW_HIRE_TAP_LIFETIME_MINUTES: must be a whole number from 10 to 43200",
		"GRAPH_BASE_URL: must be an https URL",
		"GRAPH_CREDENTIAL: must be",
		"LOG_LEVEL: must be",
		"NEW_HIRE_CALLER_APP_IDS: every entry must be",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "MAIL_SENDER: required") {
		t.Errorf("a Key Vault reference is present, not missing:\n%s", msg)
	}
}

func TestLoopbackHTTPAllowedForSandbox(t *testing.T) {
	s, err := Load(env(map[string]string{"GRAPH_BASE_URL": "http://127.0.0.1:8443/v1.0"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Graph.Scope != "http://127.0.0.1:8443/.default" {
		t.Errorf("scope %s", s.Graph.Scope)
	}
}

func TestIdentityBasedStorage(t *testing.T) {
	_, err := Load(env(map[string]string{
		"AzureWebJobsStorage":                  "<unset>",
		"AzureWebJobsStorage__queueServiceUri": "https://acct.queue.core.windows.net",
		"AzureWebJobsStorage__tableServiceUri": "https://acct.table.core.windows.net",
	}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(env(map[string]string{"AzureWebJobsStorage": "<unset>"}))
	if err == nil || !strings.Contains(err.Error(), "AzureWebJobsStorage: required") {
		t.Fatalf("want storage required, got %v", err)
	}
}

func TestResetDefaultsAndChoices(t *testing.T) {
	s, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	r := s.Reset
	if r.TAPLifetimeMinutes != 60 || !r.NotifyUser || !r.Resume || r.AllowSelfRequest ||
		strings.Join(r.Stages, ",") != "assignmentRequestApproved" || strings.Join(r.DeliverTo, ",") != "manager" ||
		len(r.MethodTypes) != len(ResettableMethods) || r.Lease != 2*time.Minute {
		t.Errorf("defaults %+v", r)
	}
	if s.LedgerTable != "mfarecoveryledger" || s.KeyVaultURL != "" {
		t.Errorf("ledger %q vault %q", s.LedgerTable, s.KeyVaultURL)
	}
	s, err = Load(env(map[string]string{"RESET_METHOD_TYPES": "FIDO2, phone", "RESET_DELIVER_TO": "manager,requestor"}))
	if err != nil || strings.Join(s.Reset.MethodTypes, ",") != "fido2,phone" || len(s.Reset.DeliverTo) != 2 {
		t.Errorf("choices %+v %v", s.Reset, err)
	}
	_, err = Load(env(map[string]string{
		"RESET_METHOD_TYPES": "password", "RESET_DELIVER_TO": "channel", "RESET_STAGES": "assignmentRequestRemoved",
		"RESET_TEAMS_WEBHOOK_SECRET": "teams-url", "LEDGER_TABLE": "1-bad",
	}))
	for _, want := range []string{`RESET_METHOD_TYPES: "password" is not one of`, `RESET_DELIVER_TO: "channel"`,
		"RESET_STAGES:", "KEY_VAULT_URL: required when", "LEDGER_TABLE:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
}
