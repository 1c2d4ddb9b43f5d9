package plan

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
)

// sampleSettings loads local.settings.sample.json with overrides, as the
// handler would read them.
func sampleSettings(t *testing.T, overrides map[string]string) config.Settings {
	t.Helper()
	raw, err := os.ReadFile("../../../../local.settings.sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Values map[string]string }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	s, err := config.Load(func(k string) (string, bool) {
		if v, ok := overrides[k]; ok {
			return v, true
		}
		v, ok := file.Values[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func names(ps []Permission) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Candidates[0])
	}
	return out
}

func TestNeededFollowsTheFeatures(t *testing.T) {
	base := names(Needed(sampleSettings(t, nil)))
	for _, want := range []string{"User.Read.All", "GroupMember.Read.All", "UserAuthMethod-TAP.ReadWrite.All",
		"Mail.Send", "UserAuthMethod-Passkey.ReadWrite.All", "Access package assignment manager"} {
		if !slices.Contains(base, want) {
			t.Errorf("default settings: %s missing from %v", want, base)
		}
	}
	for _, absent := range []string{"GroupMember.ReadWrite.All", "AuditLog.Read.All"} {
		if slices.Contains(base, absent) {
			t.Errorf("default settings (no CA group) need %s: %v", absent, base)
		}
	}

	narrow := names(Needed(sampleSettings(t, map[string]string{
		"RESET_METHOD_TYPES": "microsoftAuthenticator,softwareOath",
		"CA_GROUP_ID":        "20000000-0000-4000-8000-000000000003",
		"RESET_RESUME":       "false",
	})))
	want := []string{"User.Read.All", "RoleManagement.Read.Directory", "PrivilegedEligibilitySchedule.Read.AzureADGroup",
		"UserAuthMethod-TAP.ReadWrite.All", "Mail.Send",
		"UserAuthenticationMethod.Read.All", "UserAuthMethod-MicrosoftAuthApp.ReadWrite.All",
		"UserAuthMethod-SoftwareOATH.ReadWrite.All", "User.RevokeSessions.All", "GroupMember.ReadWrite.All", "AuditLog.Read.All"}
	if !slices.Equal(narrow, want) {
		t.Errorf("narrow settings need\n %v\nwant\n %v", narrow, want)
	}

	phoneSync := names(Needed(sampleSettings(t, map[string]string{
		"RESET_METHOD_TYPES":        "fido2",
		"PHONE_SYNC_CALLER_APP_IDS": "30000000-0000-4000-8000-000000000001",
	})))
	if !slices.Contains(phoneSync, "UserAuthMethod-Phone.ReadWrite.All") {
		t.Errorf("phone sync on without a phone reset still needs the phone permission: %v", phoneSync)
	}
}

// Every granular method permission falls back to the broad one and to
// nothing broader: least privilege first.
func TestCandidatesAreLeastPrivilegeFirst(t *testing.T) {
	for _, p := range Permissions {
		if len(p.Candidates) == 0 || p.Why == "" || p.UsedBy == "" || p.When == "" || p.Needed == nil {
			t.Errorf("incomplete permission %+v", p)
		}
		if len(p.Candidates) > 1 && p.Kind == AppRole && slices.Index(p.Candidates, "UserAuthenticationMethod.ReadWrite.All") == 0 {
			t.Errorf("%v: the broad method permission comes first", p.Candidates)
		}
	}
}

// Bulk FIDO2 enrollment needs the passkey permission for its v1.0 POST,
// list and delete, and the broad one for beta creationOptions, even when
// resets touch neither passkeys nor phones.
func TestFido2EnrollmentPermissions(t *testing.T) {
	off := names(Needed(sampleSettings(t, map[string]string{"RESET_METHOD_TYPES": "softwareOath", "FIDO2_ENABLED": "false"})))
	on := names(Needed(sampleSettings(t, map[string]string{"RESET_METHOD_TYPES": "softwareOath", "FIDO2_ENABLED": "true"})))
	for _, p := range []string{"UserAuthMethod-Passkey.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All"} {
		if slices.Contains(off, p) || !slices.Contains(on, p) {
			t.Errorf("%s: needed without FIDO2 %v, with %v", p, slices.Contains(off, p), slices.Contains(on, p))
		}
	}
	if !slices.Contains(on, "GroupMember.Read.All") {
		t.Errorf("a FIDO2 job's group is read with GroupMember.Read.All: %v", on)
	}
}
