package config

import (
	"strings"
	"testing"
	"time"
)

func readExpiry(values map[string]string) (GroupExpiry, []string) {
	r := &reader{lookup: func(k string) (string, bool) { v, ok := values[k]; return v, ok }}
	g := readGroupExpiry(r)
	return g, r.problems
}

func TestGroupExpiryDefaults(t *testing.T) {
	g, problems := readExpiry(nil)
	want := GroupExpiry{Schedule: "0 */15 * * * *", Window: 3 * time.Hour, UnknownMembers: UnknownRemove}
	if len(problems) != 0 || g != want {
		t.Errorf("got %+v %v, want %+v", g, problems, want)
	}
}

func TestGroupExpirySettings(t *testing.T) {
	g, problems := readExpiry(map[string]string{
		"CA_GROUP_ID":                     group,
		"CA_GROUP_EXPIRY_SCHEDULE":        "30 5 */2 * * MON-FRI",
		"CA_GROUP_EXPIRY_WINDOW_MINUTES":  "90",
		"CA_GROUP_EXPIRY_UNKNOWN_MEMBERS": "Track",
		"CA_GROUP_EXPIRY_REPORT_ONLY":     "true",
		"CA_GROUP_EXPIRY_DELETE_TAP":      "true",
	})
	want := GroupExpiry{Schedule: "30 5 */2 * * MON-FRI", Window: 90 * time.Minute, UnknownMembers: UnknownTrack, ReportOnly: true, DeleteTAP: true}
	if len(problems) != 0 || g != want {
		t.Errorf("got %+v %v", g, problems)
	}
}

func TestGroupExpiryProblems(t *testing.T) {
	cases := map[string]map[string]string{
		"required when CA_GROUP_ID":        {"CA_GROUP_ID": group},
		"6-field":                          {"CA_GROUP_EXPIRY_SCHEDULE": "*/15 * * * *"},
		"seconds field":                    {"CA_GROUP_EXPIRY_SCHEDULE": "* */15 * * * *"},
		"characters other than":            {"CA_GROUP_EXPIRY_SCHEDULE": "0 */15 * * * ;rm"},
		"unresolved Key Vault":             {"CA_GROUP_EXPIRY_SCHEDULE": "@Microsoft.KeyVault(VaultName=v;SecretName=s)"},
		"from 60 to 1440":                  {"CA_GROUP_EXPIRY_WINDOW_MINUTES": "30"},
		"must be one of remove, keep":      {"CA_GROUP_EXPIRY_UNKNOWN_MEMBERS": "delete"},
		"must be true or false, got \"y\"": {"CA_GROUP_EXPIRY_REPORT_ONLY": "y"},
	}
	for want, values := range cases {
		_, problems := readExpiry(values)
		if len(problems) != 1 || !strings.Contains(problems[0], want) {
			t.Errorf("%v: problems %q, want one containing %q", values, problems, want)
		}
	}
}
