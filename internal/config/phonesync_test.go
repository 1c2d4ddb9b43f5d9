package config

import (
	"strings"
	"testing"
	"time"
)

func readPhoneSyncFrom(values map[string]string) (PhoneSync, []string) {
	r := &reader{lookup: func(k string) (string, bool) { v, ok := values[k]; return v, ok }}
	return readPhoneSync(r), r.problems
}

func TestPhoneSyncDefaults(t *testing.T) {
	p, problems := readPhoneSyncFrom(nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	want := PhoneSync{
		HandshakeHeader: "message", Source: "onPremisesExtensionAttributes.extensionAttribute15",
		BatchLimit: 1000, Concurrency: 100, TimeBudget: 200 * time.Second,
	}
	if p.HandshakeHeader != want.HandshakeHeader || p.Source != want.Source || p.BatchLimit != want.BatchLimit ||
		p.Concurrency != want.Concurrency || p.TimeBudget != want.TimeBudget || p.DefaultRegion != "" ||
		p.DeleteAlternateMobile || p.HandshakeSecret != "" || len(p.CallerAppIDs) != 0 {
		t.Errorf("defaults %+v", p)
	}
	if p.Enabled() {
		t.Error("enabled with no way for a caller to authenticate")
	}
}

func TestPhoneSyncAllSet(t *testing.T) {
	p, problems := readPhoneSyncFrom(map[string]string{
		"PHONE_SYNC_CALLER_APP_IDS":          app,
		"PHONE_SYNC_HANDSHAKE_HEADER":        "X-Handshake",
		"PHONE_SYNC_HANDSHAKE_SECRET":        "phone-sync-handshake",
		"KEY_VAULT_URL":                      "https://contoso-mfa.vault.azure.net",
		"PHONE_SYNC_SOURCE":                  "extensionAttribute3",
		"PHONE_SYNC_DEFAULT_REGION":          "gb",
		"PHONE_SYNC_BATCH_LIMIT":             "250",
		"PHONE_SYNC_CONCURRENCY":             "8",
		"PHONE_SYNC_DELETE_ALTERNATE_MOBILE": "true",
		"PHONE_SYNC_SCOPE_GROUP_ID":          group,
		"PHONE_SYNC_TIME_BUDGET_SECONDS":     "120",
	})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if p.Source != "onPremisesExtensionAttributes.extensionAttribute3" || p.DefaultRegion != "GB" ||
		p.BatchLimit != 250 || p.Concurrency != 8 || !p.DeleteAlternateMobile || p.ScopeGroupID != group ||
		p.TimeBudget != 2*time.Minute || p.HandshakeHeader != "X-Handshake" || !p.Enabled() {
		t.Errorf("got %+v", p)
	}
	for _, short := range []string{"businessPhones", "MOBILEPHONE", "businessPhones[0]"} {
		if _, problems := readPhoneSyncFrom(map[string]string{"PHONE_SYNC_SOURCE": short}); len(problems) > 0 {
			t.Errorf("%s: %v", short, problems)
		}
	}
}

func TestPhoneSyncProblemsNamed(t *testing.T) {
	_, problems := readPhoneSyncFrom(map[string]string{
		"PHONE_SYNC_CALLER_APP_IDS":          "hr-app",
		"PHONE_SYNC_HANDSHAKE_HEADER":        "Authorization",
		"PHONE_SYNC_HANDSHAKE_SECRET":        "phone-sync-handshake",
		"PHONE_SYNC_SOURCE":                  "extensionAttribute16",
		"PHONE_SYNC_DEFAULT_REGION":          "XX",
		"PHONE_SYNC_BATCH_LIMIT":             "0",
		"PHONE_SYNC_CONCURRENCY":             "500",
		"PHONE_SYNC_DELETE_ALTERNATE_MOBILE": "sometimes",
		"PHONE_SYNC_TIME_BUDGET_SECONDS":     "300",
	})
	all := strings.Join(problems, "\n")
	for _, name := range []string{"PHONE_SYNC_CALLER_APP_IDS", "PHONE_SYNC_HANDSHAKE_HEADER", "PHONE_SYNC_SOURCE",
		"PHONE_SYNC_DEFAULT_REGION", "PHONE_SYNC_BATCH_LIMIT", "PHONE_SYNC_CONCURRENCY",
		"PHONE_SYNC_DELETE_ALTERNATE_MOBILE", "PHONE_SYNC_TIME_BUDGET_SECONDS", "KEY_VAULT_URL"} {
		if !strings.Contains(all, name+":") {
			t.Errorf("no problem reported for %s in:\n%s", name, all)
		}
	}
	_, problems = readPhoneSyncFrom(map[string]string{
		"PHONE_SYNC_HANDSHAKE_SECRET": "Handshake message only known between runbook and invoker",
		"KEY_VAULT_URL":               "https://contoso-mfa.vault.azure.net",
	})
	if len(problems) != 1 || !strings.Contains(problems[0], "not its value") || strings.Contains(problems[0], "runbook") {
		t.Errorf("a secret value as the secret name: %v", problems)
	}
	for _, bad := range []string{"x functions", "X-Functions-Key", ""} {
		r := &reader{lookup: func(string) (string, bool) { return "", false }}
		checkHandshakeHeader(r, bad)
		if len(r.problems) != 1 {
			t.Errorf("header %q accepted", bad)
		}
	}
}
