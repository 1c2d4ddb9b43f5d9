package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/redact"
)

func TestTAPMail(t *testing.T) {
	created := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	m := TAPMail(TAPDelivery{
		Subject: directory.User{DisplayName: "Ada Lovelace", UPN: "ada@contoso.com"},
		To:      []string{"charles@contoso.com"},
		TAP:     directory.TAP{Pass: redact.New("Xy7#pQ2!"), Created: created, LifetimeMinutes: 120, UsableOnce: true},
		Reason:  "new account",
	})
	if len(m.To) != 1 || m.To[0] != "charles@contoso.com" {
		t.Errorf("to = %v", m.To)
	}
	for _, want := range []string{"Xy7#pQ2!", "2026-11-23 11:00:00 UTC", "one sign-in only", "ada@contoso.com", "Do not forward"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, m.Body)
		}
	}
	if strings.Contains(m.Subject, "Xy7") {
		t.Error("the pass must not be in the subject")
	}
}

func TestUserNoticeCarriesNoPass(t *testing.T) {
	m := UserNotice(directory.User{DisplayName: "Ada", UPN: "ada@contoso.com", Mail: "ada@contoso.com"},
		[]string{"phone", "fido2"}, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	if m.To[0] != "ada@contoso.com" || !strings.Contains(m.Body, "removed: phone, fido2") ||
		!strings.Contains(m.Body, "call your security team") || strings.Contains(m.Body, "Temporary Access Pass:") {
		t.Errorf("notice %+v", m)
	}
}
