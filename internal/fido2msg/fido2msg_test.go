package fido2msg

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	jobID  = "7a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
	userID = "10000000-0000-4000-8000-000000000001"
	group  = "20000000-0000-4000-8000-000000000005"
)

func validJob() Job {
	return NewJob(Job{JobID: jobID, GroupID: group, ChallengeTimeoutMinutes: 1440})
}

func TestRoundTripEveryType(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	pending := NewPending(Pending{JobID: jobID, Index: 3, User: PendingUser{ID: userID, UPN: "a@b.example", DisplayName: "A"},
		CreationOptions: json.RawMessage(`{"publicKey":{"challenge":"x"}}`), ChallengeExpiresAt: at, IssuedAt: at})
	result := NewResult(Result{JobID: jobID, UserID: userID, DisplayName: "YubiKey 5 NFC 123",
		Credential: Credential{ID: "AQID", ClientDataJSON: "e30", AttestationObject: "oA"}, WrittenAt: at})
	for _, c := range []struct {
		typ string
		in  any
		out any
	}{
		{TypeJob, validJob(), &Job{}},
		{TypePending, pending, &Pending{}},
		{TypeResult, result, &Result{}},
	} {
		text, err := Encode(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := base64.StdEncoding.DecodeString(text); err != nil {
			t.Errorf("%s: queue text is not base64: %v", c.typ, err)
		}
		if err := DecodeText(text, c.typ, c.out); err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		a, _ := json.Marshal(c.in)
		b, _ := json.Marshal(c.out)
		if string(a) != string(b) {
			t.Errorf("%s: round trip\n %s\n %s", c.typ, a, b)
		}
	}
}

func TestDecodeAcceptsPlainJSON(t *testing.T) {
	var j Job
	raw := `{"type":"fido2.job","version":1,"jobId":"` + jobID + `","groupId":"` + group + `","challengeTimeoutMinutes":60,"replaceExisting":true}`
	if err := DecodeText(raw, TypeJob, &j); err != nil || !j.ReplaceExisting || j.Validate() != nil {
		t.Fatalf("%+v %v", j, err)
	}
}

func TestDecodeRefusesOtherVersionsTypesAndFields(t *testing.T) {
	cases := map[string]struct {
		raw  string
		want error
		text string
	}{
		"newer version":  {`{"type":"fido2.job","version":2,"jobId":"x"}`, ErrVersion, "version 2 of fido2.job: this build reads version 1"},
		"no version":     {`{"type":"fido2.job","jobId":"x"}`, ErrVersion, "version 0"},
		"other type":     {`{"type":"fido2.result","version":1}`, ErrType, `got "fido2.result"`},
		"unknown field":  {`{"type":"fido2.job","version":1,"surprise":true}`, nil, "unknown field"},
		"not json":       {`{"type":`, nil, "not a JSON object"},
		"not base64":     {`!!!`, nil, "neither JSON nor base64"},
		"array":          {`[1]`, nil, "neither JSON nor base64"},
		"base64 garbage": {base64.StdEncoding.EncodeToString([]byte("hello")), nil, "not a JSON object"},
	}
	for name, c := range cases {
		var j Job
		err := DecodeText(c.raw, TypeJob, &j)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestJobValidation(t *testing.T) {
	bad := map[string]func(*Job){
		"no target":        func(j *Job) { j.GroupID = "" },
		"both targets":     func(j *Job) { j.UserIDs = []string{userID} },
		"bad group":        func(j *Job) { j.GroupID = "all staff" },
		"bad user":         func(j *Job) { j.GroupID = ""; j.UserIDs = []string{userID, "bob@contoso.example"} },
		"timeout too low":  func(j *Job) { j.ChallengeTimeoutMinutes = 4 },
		"timeout too high": func(j *Job) { j.ChallengeTimeoutMinutes = 43201 },
		"bad job id":       func(j *Job) { j.JobID = "1" },
		"bad template":     func(j *Job) { j.DisplayNameTemplate = "{upn} key" },
		"control chars":    func(j *Job) { j.DisplayNameTemplate = "key\n" },
		"too many users": func(j *Job) {
			j.GroupID = ""
			for range MaxUserIDs + 1 {
				j.UserIDs = append(j.UserIDs, userID)
			}
		},
	}
	for name, mutate := range bad {
		j := validJob()
		mutate(&j)
		if err := j.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	j := validJob()
	j.DisplayNameTemplate = "{model} {serial} {date}"
	if err := j.Validate(); err != nil {
		t.Errorf("valid job: %v", err)
	}
	many := validJob()
	many.ChallengeTimeoutMinutes, many.GroupID, many.JobID = 3, "x", ""
	if err := many.Validate(); err == nil || strings.Count(err.Error(), "\n") < 2 {
		t.Errorf("every problem should be reported at once: %v", err)
	}
}

func TestRenderDisplayName(t *testing.T) {
	d := time.Date(2026, 12, 3, 23, 0, 0, 0, time.UTC)
	cases := []struct{ tmpl, model, serial, want string }{
		{"", "YubiKey 5 NFC", "12345678", "YubiKey 5 NFC 12345678"},
		{"{model} {serial}", "A very long security key model name", "987654321", "A very long security key model"},
		{"Key {date}", "", "", "Key 2026-12-03"},
		{"{model} {serial}", "", "", "Security key"},
	}
	for _, c := range cases {
		got := RenderDisplayName(c.tmpl, c.model, c.serial, d)
		if got != c.want || len([]rune(got)) > MaxDisplayName {
			t.Errorf("%q %q %q: %q, want %q", c.tmpl, c.model, c.serial, got, c.want)
		}
	}
}

func TestResultValidation(t *testing.T) {
	ok := NewResult(Result{JobID: jobID, UserID: userID, DisplayName: "k",
		Credential: Credential{ID: "AQID", ClientDataJSON: "e30", AttestationObject: "oA"}})
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*Result){
		"padded id":       func(r *Result) { r.Credential.ID = "AQI=" },
		"std base64":      func(r *Result) { r.Credential.ClientDataJSON = "a+b/" },
		"empty object":    func(r *Result) { r.Credential.AttestationObject = "" },
		"long name":       func(r *Result) { r.DisplayName = strings.Repeat("k", 31) },
		"user is a UPN":   func(r *Result) { r.UserID = "a@b.example" },
		"no display name": func(r *Result) { r.DisplayName = "" },
	} {
		r := ok
		mutate(&r)
		if r.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestEncodeRefusesOversizedMessages(t *testing.T) {
	p := NewPending(Pending{JobID: jobID, CreationOptions: json.RawMessage(`"` + strings.Repeat("a", 60<<10) + `"`)})
	if _, err := Encode(p); err == nil {
		t.Error("a message over 64 KiB was encoded")
	}
}
