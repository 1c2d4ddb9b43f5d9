package report

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
)

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	c, err := NewCSV(&buf, true)
	if err != nil {
		t.Fatal(err)
	}
	id := bytes.Repeat([]byte{0xfb}, 32) // base64url "-_-_…": must stay as is
	row := Row{Time: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), Status: "written", UPN: "=HYPERLINK(\"x\")", Index: 3,
		CredentialID: base64.RawURLEncoding.EncodeToString(id), PINRef: "keywriter-pin-job-3", Reason: "-1+1"}
	if err := c.Add(row); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d records: %v", len(recs), err)
	}
	for _, h := range recs[0] {
		if strings.Contains(strings.ToLower(h), "pin") && h != "pin_secret" && h != "pin_policy_note" {
			t.Errorf("column %q", h)
		}
	}
	got := map[string]string{}
	for i, h := range recs[0] {
		got[h] = recs[1][i]
	}
	if got["upn"] != "'=HYPERLINK(\"x\")" || got["reason"] != "'-1+1" || got["credential_id"] != row.CredentialID ||
		got["expected_method_id"] != credid.MethodID(id) || got["item"] != "3" || got["time"] != "2026-05-01T09:00:00Z" {
		t.Errorf("row %v", got)
	}
}
