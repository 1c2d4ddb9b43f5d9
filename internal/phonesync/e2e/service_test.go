package e2e_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/phonesync"
)

const (
	dana = "30000000-0000-4000-8000-000000000001" // source empty, has a mobile
	eli  = "30000000-0000-4000-8000-000000000002" // mobile and alternate mobile, source empty
	fay  = "30000000-0000-4000-8000-000000000003" // source in national format
)

func TestSyncEveryOutcome(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	f.addUser(t, dana, "dana@contoso.example", "", phone("mobile", "+1 2065550111"))
	f.addUser(t, eli, "eli@contoso.example", "", phone("mobile", "+1 2065550112"), phone("alternateMobile", "+1 2065550113"))
	f.addUser(t, fay, "fay@contoso.example", "(206) 555-0114")
	body := `[
		{"UserPrincipalName": "nora.new@contoso.example"},
		{"UserPrincipalName": "una.nomanager@contoso.example", "Mobile": "+1 (206) 555-0103"},
		{"UserPrincipalName": "` + graphtest.Sam + `", "Mobile": "+44 7911 123456"},
		{"UserPrincipalName": "dana@contoso.example", "OverwriteNull": "1"},
		{"UserPrincipalName": "eli@contoso.example", "OverwriteNull": true},
		{"UserPrincipalName": "eli@contoso.example"},
		{"UserPrincipalName": "fay@contoso.example"},
		{"UserPrincipalName": "gina.admin@contoso.example", "Mobile": "+1 206 555 0166"},
		{"UserPrincipalName": "ghost@contoso.example", "Mobile": "+1 206 555 0177"},
		{"UserPrincipalName": "mara.manager@contoso.example", "Mobile": "555-FLOWERS"},
		{"UserPrincipalName": "milo.nomail@contoso.example"},
		{"ObjectId": "` + graphtest.Nora + `"}
	]`
	r := f.sync(t, body)
	want := []struct{ result, reason, number string }{
		{phonesync.Created, "", "•••••••••••01"},
		{phonesync.Unchanged, "already", "•••••••••••03"},
		{phonesync.Updated, "", "••••••••••••56"},
		{phonesync.Deleted, "OverwriteNull", ""},
		{phonesync.Failed, "alternate mobile", ""},
		{phonesync.Skipped, "earlier, at index 4", ""},
		{phonesync.Failed, "no default region", ""},
		{phonesync.Skipped, "protected account", "•••••••••••66"},
		{phonesync.Failed, "no such user", ""},
		{phonesync.Failed, "contains letters", ""},
		{phonesync.Unchanged, "no mobile", ""},
		{phonesync.Skipped, "earlier, at index 0", ""},
	}
	if len(r.Results) != len(want) {
		t.Fatalf("%d results: %s", len(r.Results), r.Raw)
	}
	for i, w := range want {
		got := r.Results[i]
		if got.Index != i || got.Result != w.result || !strings.Contains(got.Reason, w.reason) || got.Number != w.number {
			t.Errorf("[%d] %+v, want %+v", i, got, w)
		}
	}
	c := r.Counts
	if c.Total != 12 || c.Created != 1 || c.Updated != 1 || c.Deleted != 1 || c.Unchanged != 2 || c.Skipped != 3 || c.Error != 4 {
		t.Errorf("counts %+v", c)
	}
	if r.Results[2].Previous != "•••••••••••09" || r.Results[2].Source != "Mobile" || r.Results[0].Source != "onPremisesExtensionAttributes.extensionAttribute15" {
		t.Errorf("previous/source: %+v %+v", r.Results[2], r.Results[0])
	}
	checkDirectory(t, f, map[string]map[string]string{
		graphtest.Nora: {"mobile": "+1 2065550101"},
		graphtest.Una:  {"mobile": "+1 2065550103"},
		graphtest.Sam:  {"mobile": "+44 7911123456", "office": "+1 4255550109x12"}, // office untouched
		dana:           {},
		eli:            {"mobile": "+1 2065550112", "alternateMobile": "+1 2065550113"},
		fay:            {},
		graphtest.Gina: {},
	})
	// Only the writes the plan called for: POST Nora, PATCH Sam, DELETE Dana.
	if n := f.writes(); n != 3 {
		t.Errorf("%d phone writes, want 3", n)
	}
}

func checkDirectory(t *testing.T, f *fixture, want map[string]map[string]string) {
	t.Helper()
	for user, phones := range want {
		if got := f.phones(user); fmt.Sprint(got) != fmt.Sprint(phones) {
			t.Errorf("%s phones %v, want %v", user, got, phones)
		}
	}
}

func TestDefaultRegionAndOtherSources(t *testing.T) {
	f := setup(t, graphdouble.Options{}, func(c *config.PhoneSync) {
		c.DefaultRegion = "US"
		c.Source = "mobilePhone"
	})
	f.addUser(t, fay, "fay@contoso.example", "")
	f.rig.Double.Update(func(tn *graphdouble.Tenant) {
		for _, u := range tn.Users {
			if u.ID == fay {
				u.MobilePhone = "(206) 555-0114"
			}
		}
	})
	r := f.sync(t, `[{"UserPrincipalName":"fay@contoso.example"},{"UserPrincipalName":"una.nomanager@contoso.example"}]`)
	if r.Results[0].Result != phonesync.Created || r.Results[1].Result != phonesync.Unchanged || r.Results[0].Source != "mobilePhone" {
		t.Fatalf("%s", r.Raw)
	}
	checkDirectory(t, f, map[string]map[string]string{fay: {"mobile": "+1 2065550114"}})
}

func TestDeleteAlternateMobileWhenAllowed(t *testing.T) {
	f := setup(t, graphdouble.Options{}, func(c *config.PhoneSync) { c.DeleteAlternateMobile = true })
	f.addUser(t, eli, "eli@contoso.example", "", phone("mobile", "+1 2065550112"), phone("alternateMobile", "+1 2065550113"), phone("office", "+1 2065550115"))
	r := f.sync(t, `[{"UserPrincipalName":"eli@contoso.example","OverwriteNull":"1"}]`)
	if r.Results[0].Result != phonesync.Deleted {
		t.Fatalf("%s", r.Raw)
	}
	checkDirectory(t, f, map[string]map[string]string{eli: {"office": "+1 2065550115"}})
}

func TestDefaultMethodCannotBeDeleted(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	f.addUser(t, dana, "dana@contoso.example", "", phone("mobile", "+1 2065550111"),
		graphdouble.AuthMethod{Type: graphdouble.MethodSoftwareOath, ID: "a0000000-0000-4000-8000-0000000000d1"})
	if err := f.rig.Double.SetDefaultMethod(dana, mobileID); err != nil {
		t.Fatal(err)
	}
	r := f.sync(t, `[{"UserPrincipalName":"dana@contoso.example","OverwriteNull":"1"}]`)
	if r.Results[0].Result != phonesync.Failed || !strings.Contains(r.Results[0].Reason, "default sign-in method") {
		t.Fatalf("%s", r.Raw)
	}
}

func TestMaskedNumbers(t *testing.T) {
	f := setup(t, graphdouble.Options{MaskPhoneNumbers: true})
	r := f.sync(t, `[
		{"UserPrincipalName": "una.nomanager@contoso.example", "Mobile": "+1 206 555 0103"},
		{"UserPrincipalName": "`+graphtest.Sam+`", "Mobile": "+1 206 555 0199"},
		{"UserPrincipalName": "nora.new@contoso.example"}
	]`)
	if got := r.Results[0]; got.Result != phonesync.Skipped || !strings.Contains(got.Reason, "masked") || got.Previous != "•••••••••••03" {
		t.Errorf("masked, visible digits agree: %+v", got)
	}
	if got := r.Results[1]; got.Result != phonesync.Updated {
		t.Errorf("masked, last digits differ: %+v", got)
	}
	if got := r.Results[2]; got.Result != phonesync.Created {
		t.Errorf("no mobile: %+v", got)
	}
	checkDirectory(t, f, map[string]map[string]string{
		graphtest.Una: {"mobile": "+1 2065550103"},
		graphtest.Sam: {"mobile": "+1 2065550199", "office": "+1 4255550109x12"},
	})
}

// A POST whose answer is lost is repeated; Graph refuses the repeat (the
// phone exists) and the service confirms by reading back.
func TestLostAnswerToCreateIsResolved(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	f.rig.Double.AddFault(graphdouble.DropResponse("POST", phonesPath, 1))
	r := f.sync(t, `[{"UserPrincipalName":"nora.new@contoso.example"}]`)
	if got := r.Results[0]; got.Result != phonesync.Created || !strings.Contains(got.Reason, "confirmed") {
		t.Fatalf("%+v", got)
	}
	checkDirectory(t, f, map[string]map[string]string{graphtest.Nora: {"mobile": "+1 2065550101"}})
}

// A mobile added by someone else between our read and our POST makes
// Graph refuse the POST; the service reads back and updates it to the
// directory's number.
func TestConcurrentWriterIsOverwritten(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	// The POST waits long enough for the other writer to act after our list.
	f.rig.Double.AddFault(graphdouble.Delay("POST", phonesPath, 50*time.Millisecond))
	raced := make(chan error, 1)
	go func() {
		for f.rig.Double.CountRequests("GET", phonesPath) == 0 {
			time.Sleep(time.Millisecond)
		}
		_, err := f.rig.Double.AddMethod(graphtest.Nora, phone("mobile", "+1 2065550999"))
		raced <- err
	}()
	r := f.sync(t, `[{"UserPrincipalName":"nora.new@contoso.example"}]`)
	if err := <-raced; err != nil {
		t.Fatal(err)
	}
	if got := r.Results[0]; got.Result != phonesync.Updated || !strings.Contains(got.Reason, "appeared") {
		t.Fatalf("%+v", got)
	}
	checkDirectory(t, f, map[string]map[string]string{graphtest.Nora: {"mobile": "+1 2065550101"}})
}

func TestThrottlingIsRetried(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	for _, m := range []string{"GET", "POST", "PATCH"} {
		f.rig.Double.AddFault(graphdouble.Fault{Method: m, Path: "/v1.0/users/**", Count: 2, Status: http.StatusTooManyRequests, RetryAfter: "1"})
	}
	r := f.sync(t, `[{"UserPrincipalName":"nora.new@contoso.example"},{"UserPrincipalName":"`+graphtest.Sam+`","Mobile":"+1 206 555 0198"}]`)
	if r.Counts.Created != 1 || r.Counts.Updated != 1 {
		t.Fatalf("%s", r.Raw)
	}
	if len(f.rig.Waits()) < 6 {
		t.Errorf("waits %v", f.rig.Waits())
	}
}

func TestTimeBudgetAnswersInTime(t *testing.T) {
	f := setup(t, graphdouble.Options{}, func(c *config.PhoneSync) {
		c.TimeBudget = 300 * time.Millisecond
		c.Concurrency = 1
	})
	f.rig.Double.SetLatency(200 * time.Millisecond)
	start := time.Now()
	r := f.sync(t, `[{"UserPrincipalName":"nora.new@contoso.example"},{"UserPrincipalName":"una.nomanager@contoso.example"},{"UserPrincipalName":"mara.manager@contoso.example"}]`)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v", took)
	}
	if r.Counts.Error < 2 || !strings.Contains(r.Raw, "ran out of time") {
		t.Fatalf("%s", r.Raw)
	}
}

func TestBodyErrorsAndLimit(t *testing.T) {
	f := setup(t, graphdouble.Options{}, func(c *config.PhoneSync) { c.BatchLimit = 2 })
	auth := []string{"Authorization", "Bearer " + f.token()}
	r := f.call(t, request(`[{"UserPrincipalName":"a@b.example","OverwriteNull":"yes"}]`, auth...))
	if r.Status != http.StatusBadRequest || r.Error != "invalid_body" || !strings.Contains(r.Detail, "$[0].OverwriteNull") {
		t.Errorf("400: %s", r.Raw)
	}
	r = f.call(t, request(`[{"UserPrincipalName":"a@b.example"},{"UserPrincipalName":"b@b.example"},{"UserPrincipalName":"c@b.example"}]`, auth...))
	if r.Status != http.StatusRequestEntityTooLarge || r.Limit != 2 || r.Error != "batch_too_large" {
		t.Errorf("413: %s", r.Raw)
	}
	get := request(`[]`, auth...)
	get.Method = "GET"
	if r = f.call(t, get); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("GET: %s", r.Raw)
	}
	if n := len(f.rig.Double.Requests()); n != 0 {
		t.Errorf("%d Graph requests for refused bodies", n)
	}
	// A body sent as form data (Invoke-RestMethod's default) is still read.
	r = f.call(t, request(`[]`, append(auth, "Content-Type", "application/x-www-form-urlencoded")...))
	if r.Status != http.StatusOK || r.Counts.Total != 0 || r.Results == nil {
		t.Errorf("empty batch: %s", r.Raw)
	}
}

func TestScopeGroupLimitsWrites(t *testing.T) {
	f := setup(t, graphdouble.Options{})
	const allStaff = "20000000-0000-4000-8000-000000000005" // Nora, Mara and Sam; not Una
	f.svc.Guard = guard.Guard{Dir: f.rig.Client, ProtectedGroupID: graphtest.ProtectedGroup, ScopeGroupID: allStaff}
	r := f.sync(t, `[{"UserPrincipalName":"nora.new@contoso.example"},{"UserPrincipalName":"una.nomanager@contoso.example","Mobile":"+1 206 555 0144"}]`)
	if got := r.Results[0]; got.Result != phonesync.Created {
		t.Errorf("in scope: %+v", got)
	}
	if got := r.Results[1]; got.Result != phonesync.Skipped || !strings.Contains(got.Reason, "scope group") {
		t.Errorf("out of scope: %+v", got)
	}
	checkDirectory(t, f, map[string]map[string]string{graphtest.Nora: {"mobile": "+1 2065550101"}, graphtest.Una: {"mobile": "+1 2065550103"}})
}
