package callout

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestResumeData(t *testing.T) {
	approved, err := Parse(fixture(t, "approved.json"))
	if err != nil {
		t.Fatal(err)
	}
	created, err := Parse(fixture(t, "request_created.json"))
	if err != nil {
		t.Fatal(err)
	}
	granted := with(approved, func(c *Callout) { c.Stage = StageRequestGranted })
	tests := []struct {
		name       string
		c          Callout
		o          Outcome
		wantState  string
		wantDetail string
	}{
		{"success", approved, Outcome{Succeeded: true, Detail: "MFA reset done; TAP issued"}, "", "MFA reset done; TAP issued"},
		{"failure continues", approved, Outcome{}, "", "MFA reset failed."},
		{"success default detail", approved, Outcome{Succeeded: true}, "", "MFA reset completed."},
		{"deny at approved", approved, Outcome{Deny: true, Detail: "protected account"}, StateDenied, "protected account"},
		{"deny at created", created, Outcome{Deny: true}, StateDenied, "MFA reset refused."},
		{"deny not allowed at granted", granted, Outcome{Deny: true}, "", "MFA reset refused."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ResumeData(tt.c, tt.o)
			want := Resume{
				Source:          ResumeSource,
				Type:            "microsoft.graph.accessPackageCustomExtensionStage." + tt.c.Stage,
				Stage:           tt.c.Stage,
				StageInstanceID: tt.c.StageInstanceID,
				Detail:          tt.wantDetail,
				State:           tt.wantState,
			}
			if r != want {
				t.Fatalf("ResumeData =\n%+v\nwant\n%+v", r, want)
			}
		})
	}
}

func TestResumeDataCanonicalisesStage(t *testing.T) {
	c := Callout{Stage: "ASSIGNMENTREQUESTAPPROVED", StageInstanceID: "a3f0c9d2-61b4-4e8a-8f57-0b9e2d4c1a77"}
	r := ResumeData(c, Outcome{Deny: true})
	if r.Stage != StageRequestApproved || r.State != StateDenied ||
		r.Type != "microsoft.graph.accessPackageCustomExtensionStage.assignmentRequestApproved" {
		t.Fatalf("ResumeData = %+v", r)
	}
}

func TestResumeDetailIsOneSafeLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"line one\nline two\r\nline three", "line one line two line three"},
		{"  padded\t\ttabs  ", "padded tabs"},
		{"sep\u2028and\u2029para\u0085nel", "sep and para nel"},
		{"bidi \u202egnp.exe\u202c trick", "bidi gnp.exe trick"},
		{"bad utf8 \xff\xfe end", "bad utf8 \ufffd end"},
		{"nul\x00bell\x07", "nul bell"},
		{"\n\n\t", "MFA reset failed."},
	}
	for _, tt := range tests {
		if got := ResumeData(Callout{}, Outcome{Detail: tt.in}).Detail; got != tt.want {
			t.Errorf("detail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestResumeDetailIsCapped(t *testing.T) {
	long := strings.Repeat("ü", MaxDetailLength*2)
	d := ResumeData(Callout{}, Outcome{Detail: long}).Detail
	if n := utf8.RuneCountInString(d); n != MaxDetailLength {
		t.Fatalf("detail has %d runes, want %d", n, MaxDetailLength)
	}
	if !strings.HasSuffix(d, "…") || !utf8.ValidString(d) {
		t.Fatalf("detail should end with an ellipsis and be valid UTF-8: %q", d[len(d)-8:])
	}
	exact := strings.Repeat("x", MaxDetailLength)
	if d := ResumeData(Callout{}, Outcome{Detail: exact}).Detail; d != exact {
		t.Fatalf("a detail of exactly MaxDetailLength runes must pass unchanged")
	}
}
