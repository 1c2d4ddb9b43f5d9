// Package report writes the desk's CSV report and summarises journals.
//
// A row names the user, the key and the credential (with the Entra method
// id it should get) and what happened; a PIN appears only as the name of
// the Key Vault secret holding it. There is no column a PIN could go in.
package report

import (
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
)

// Row is one line of the report.
type Row struct {
	Time         time.Time
	Status       string
	Reason       string
	JobID        string
	Index        int
	UPN          string
	UserID       string
	Model        string
	AAGUID       string
	Serial       string
	Firmware     string
	CredentialID string // base64url without padding
	PINRef       string
	Finalize     string
	Workstation  string
}

// Header is the CSV's first line.
var Header = []string{"time", "status", "upn", "user_id", "job_id", "item", "model", "aaguid", "serial", "firmware",
	"credential_id", "expected_method_id", "pin_secret", "pin_policy_note", "reason", "workstation"}

func (r Row) record() []string {
	item := ""
	if r.Index > 0 {
		item = strconv.Itoa(r.Index)
	}
	at := ""
	if !r.Time.IsZero() {
		at = r.Time.UTC().Format(time.RFC3339)
	}
	return []string{at, r.Status, r.UPN, r.UserID, r.JobID, item, r.Model, r.AAGUID, r.Serial, r.Firmware,
		r.CredentialID, methodID(r.CredentialID), r.PINRef, r.Finalize, r.Reason, r.Workstation}
}

// methodID is the id Entra is expected to give the registered method
// (internal/credid), to match rows with Graph's fido2Methods.
func methodID(credentialID string) string {
	b, err := base64.RawURLEncoding.DecodeString(credentialID)
	if err != nil || len(b) == 0 {
		return ""
	}
	return credid.MethodID(b)
}

// CSV writes rows as they come; Flush after each so a crash keeps what
// was written.
type CSV struct {
	w *csv.Writer
}

// NewCSV writes rows to w, after the header when header is set (a new
// file; an existing report is appended to, never overwritten).
func NewCSV(w io.Writer, header bool) (*CSV, error) {
	c := &CSV{w: csv.NewWriter(w)}
	if !header {
		return c, nil
	}
	if err := c.w.Write(Header); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	c.w.Flush()
	return c, c.w.Error()
}

// Add writes one row and flushes it.
func (c *CSV) Add(r Row) error {
	if err := c.w.Write(neutralise(r.record())); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	c.w.Flush()
	return c.w.Error()
}

// freeText are the columns whose text comes from people or keys (UPN,
// model, serial, firmware, notes, reasons, workstation); ids are left
// alone, since a base64url credential id may start with "-".
var freeText = []int{2, 6, 8, 9, 13, 14, 15}

// neutralise keeps spreadsheet programs from reading a free-text cell as a
// formula (one starting with =, +, - or @).
func neutralise(rec []string) []string {
	for _, i := range freeText {
		if s := rec[i]; s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
			rec[i] = "'" + s
		}
	}
	return rec
}
