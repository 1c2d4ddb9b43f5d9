package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/softkey"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

const (
	optionsPath = "/beta/users/*/authentication/fido2Methods/*"
	fido2Path   = "/v1.0/users/*/authentication/fido2Methods"
)

// newFido2Rig is the sandbox with the FIDO2 method policy set up for
// provisioning, which Entra requires (graph known issues).
func newFido2Rig(t *testing.T, opts graphdouble.Options) *rig {
	r := newRig(t, opts)
	r.double.Update(func(tn *graphdouble.Tenant) {
		tn.Setup.Fido2 = graphdouble.Fido2Policy{Enabled: true, SelfServiceRegistration: true}
	})
	return r
}

// headerLog records one request header while keeping the rig's token check.
type headerLog struct {
	mu   sync.Mutex
	seen []string
}

func (h *headerLog) watch(r *rig, name string) {
	r.double.SetAuthCheck(func(req *http.Request) error {
		h.mu.Lock()
		h.seen = append(h.seen, req.Header.Get(name))
		h.mu.Unlock()
		if req.Header.Get("Authorization") != "Bearer fake_token" {
			return errors.New("no token")
		}
		return nil
	})
}

// GroupUsersPage walks nested groups a page per call, users only, and
// sends the advanced-query header on every page.
func TestGroupUsersPage(t *testing.T) {
	r := newFido2Rig(t, graphdouble.Options{})
	gen := addUsers(r, allStaff, 2100)
	r.double.Update(func(tn *graphdouble.Tenant) {
		for _, g := range tn.Groups {
			if g.ID == allStaff {
				g.Members = append(g.Members, protected) // protected > break-glass > Bree
			}
		}
	})
	var h headerLog
	h.watch(r, "ConsistencyLevel")
	var users []directory.User
	next, pages := "", 0
	for {
		page, link, err := r.client.GroupUsersPage(context.Background(), allStaff, next)
		if err != nil {
			t.Fatal(err)
		}
		users, next, pages = append(users, page...), link, pages+1
		if next == "" {
			break
		}
	}
	if pages != 3 || len(users) != 2104 || users[0].UPN != "nora.new@contoso.example" || !users[0].AccountEnabled || users[0].UserType != "Member" ||
		users[3].ID != gen[0] || users[2103].ID != bree {
		t.Fatalf("%d pages, %d users: first %+v, last %+v", pages, len(users), users[0], users[len(users)-1])
	}
	first := r.double.RequestsMatching("GET", "/v1.0/groups/*/transitiveMembers/microsoft.graph.user")[0].Query
	if first.Get("$select") != "id,userPrincipalName,displayName,accountEnabled,userType" || first.Get("$top") != "999" || first.Get("$count") != "true" {
		t.Errorf("query %v", first)
	}
	if !slices.Equal(h.seen, []string{"eventual", "eventual", "eventual"}) {
		t.Errorf("ConsistencyLevel per page: %v", h.seen)
	}
}

// A next link from a queue message is followed only on the configured
// Graph endpoint and for the same group.
func TestGroupUsersPageRefusesForeignLinks(t *testing.T) {
	r := newFido2Rig(t, graphdouble.Options{})
	ours := r.URL + "/groups/" + allStaff + "/transitiveMembers/microsoft.graph.user?$skiptoken=x"
	for _, link := range []string{
		"https://evil.example/v1.0/groups/" + allStaff + "/transitiveMembers/microsoft.graph.user?$skiptoken=x",
		strings.Replace(ours, "http://", "https://", 1),
		strings.Replace(ours, allStaff, caGroup, 1),
		strings.Replace(ours, "/v1.0/", "/beta/", 1),
		strings.Replace(ours, "http://", "http://user@", 1),
		"/v1.0/groups/" + allStaff + "/transitiveMembers/microsoft.graph.user",
	} {
		if _, _, err := r.client.GroupUsersPage(context.Background(), allStaff, link); err == nil {
			t.Errorf("followed %s", link)
		}
	}
	if _, _, err := r.client.GroupUsersPage(context.Background(), "not-a-guid", ""); err == nil {
		t.Error("group id not checked")
	}
	if n := len(r.double.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestCreationOptionsFromBeta(t *testing.T) {
	clk := clock.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	r := newFido2Rig(t, graphdouble.Options{Now: clk.Now})
	raw, expires, err := r.client.CreationOptions(context.Background(), nora, 60)
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		PublicKey struct {
			RP        struct{ ID string }
			Challenge string
		}
	}
	if err := json.Unmarshal(raw, &o); err != nil || o.PublicKey.RP.ID != "login.microsoft.com" || o.PublicKey.Challenge == "" {
		t.Errorf("options %.200s: %v", raw, err)
	}
	if !expires.Equal(clk.Now().Add(time.Hour)) {
		t.Errorf("expires %v", expires)
	}
	reqs := r.double.RequestsMatching("GET", optionsPath)
	if len(reqs) != 1 || reqs[0].Path != "/beta/users/"+nora+"/authentication/fido2Methods/creationOptions(challengeTimeoutInMinutes=60)" {
		t.Errorf("requests %v", reqs)
	}
	for _, n := range []int{4, 43201} {
		if _, _, err := r.client.CreationOptions(context.Background(), nora, n); err == nil {
			t.Errorf("%d minutes accepted", n)
		}
	}
	if _, _, err := r.client.CreationOptions(context.Background(), "nobody@contoso.example", 60); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}

// creationOptions is a read: lost answers, 503 and 429 are retried.
func TestCreationOptionsRetried(t *testing.T) {
	for name, fault := range map[string]graphdouble.Fault{
		"lost answer": graphdouble.DropResponse("GET", optionsPath, 1),
		"503":         graphdouble.ServerError("GET", optionsPath, 503, 2),
		"429":         graphdouble.Throttle("GET", optionsPath, 2, "3"),
	} {
		r := newFido2Rig(t, graphdouble.Options{})
		h := r.double.AddFault(fault)
		if _, _, err := r.client.CreationOptions(context.Background(), nora, 30); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if n := r.double.CountRequests("GET", optionsPath); n != h.Fired()+1 {
			t.Errorf("%s: %d requests, %d faults", name, n, h.Fired())
		}
		if name == "429" && !slices.Equal(r.Waits(), []time.Duration{3 * time.Second, 3 * time.Second}) {
			t.Errorf("429 waits %v", r.Waits())
		}
	}
}

// register makes a key for userID from options the port fetched.
func register(t *testing.T, r *rig, userID string, faults ...softkey.Fault) (softkey.Credential, directory.Fido2Registration) {
	t.Helper()
	raw, _, err := r.client.CreationOptions(context.Background(), userID, 60)
	if err != nil {
		t.Fatal(err)
	}
	k, err := softkey.New(softkey.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := k.Register(raw, faults...)
	if err != nil {
		t.Fatal(err)
	}
	return c, directory.Fido2Registration{DisplayName: "Soft Key 0001", CredentialID: c.ID,
		ClientDataJSON: c.ClientDataJSON, AttestationObject: c.AttestationObject}
}

func TestRegisterListDeleteFido2(t *testing.T) {
	r := newFido2Rig(t, graphdouble.Options{})
	ctx := context.Background()
	cred, reg := register(t, r, nora)
	m, err := r.client.RegisterFido2(ctx, nora, reg)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != credid.MethodID(cred.ID) || m.DisplayName != "Soft Key 0001" || m.AttestationLevel != "attested" ||
		m.PasskeyType != "deviceBound" || len(m.AttestationCertificates) != 1 || m.Created.IsZero() || m.AAGUID == "" {
		t.Errorf("method %+v", m)
	}
	var body struct {
		PublicKeyCredential struct {
			ID       string
			Response map[string]string
			Ext      map[string]any `json:"clientExtensionResults"`
		}
	}
	post := r.double.RequestsMatching("POST", fido2Path)
	if len(post) != 1 || post[0].DecodeBody(&body) != nil || body.PublicKeyCredential.ID != credid.Encode(cred.ID) ||
		body.PublicKeyCredential.Response["attestationObject"] != credid.Encode(cred.AttestationObject) || body.PublicKeyCredential.Ext == nil {
		t.Errorf("POST body %s", post[0].Body)
	}
	list, err := r.client.ListFido2(ctx, nora)
	if err != nil || len(list) != 1 || list[0].ID != m.ID || list[0].PasskeyType != "deviceBound" || list[0].AttestationLevel != "attested" {
		t.Fatalf("list %+v %v", list, err)
	}
	if err := r.client.DeleteFido2(ctx, nora, m.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.client.DeleteFido2(ctx, nora, m.ID); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if list, err := r.client.ListFido2(ctx, nora); err != nil || len(list) != 0 {
		t.Errorf("after delete %+v %v", list, err)
	}
}

// Graph's refusal comes back with its code and reason, not as an
// uncertain outcome, after one POST.
func TestRegisterFido2RefusalSurfaced(t *testing.T) {
	r := newFido2Rig(t, graphdouble.Options{})
	for name, tc := range map[string]struct {
		fault softkey.Fault
		name  string
		want  string
	}{
		"wrong origin": {softkey.WrongOrigin, "Key", "origin"},
		"no UV":        {softkey.NoUV, "Key", "User verification required"},
		"long name":    {0, strings.Repeat("n", 31), "at most 30"},
	} {
		r.double.ResetRequests()
		var faults []softkey.Fault
		if tc.fault != 0 {
			faults = append(faults, tc.fault)
		}
		_, reg := register(t, r, nora, faults...)
		reg.DisplayName = tc.name
		_, err := r.client.RegisterFido2(context.Background(), nora, reg)
		var de *directory.Error
		if !errors.As(err, &de) || de.Status != 400 || de.Code != "badRequest" || !strings.Contains(de.Message, tc.want) ||
			errors.Is(err, directory.ErrOutcomeUnknown) {
			t.Errorf("%s: %v", name, err)
		}
		if n := r.double.CountRequests("POST", fido2Path); n != 1 {
			t.Errorf("%s: %d POSTs", name, n)
		}
	}
}

// The POST is sent once: a lost answer or a 5xx is an uncertain outcome
// the caller resolves by listing; only 429 is retried.
func TestRegisterFido2Once(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		fault      graphdouble.Fault
		registered bool
	}{
		{graphdouble.DropResponse("POST", fido2Path, 1), true},
		{graphdouble.ServerError("POST", fido2Path, 503, 1), false},
		{graphdouble.Fault{Method: "POST", Path: fido2Path, Count: 1, DropBeforeApply: true}, false},
	} {
		r := newFido2Rig(t, graphdouble.Options{})
		cred, reg := register(t, r, nora)
		r.double.AddFault(tc.fault)
		_, err := r.client.RegisterFido2(ctx, nora, reg)
		if !errors.Is(err, directory.ErrOutcomeUnknown) || r.double.CountRequests("POST", fido2Path) != 1 {
			t.Errorf("%+v: %v after %d POSTs", tc.fault, err, r.double.CountRequests("POST", fido2Path))
		}
		list, err := r.client.ListFido2(ctx, nora)
		found := err == nil && slices.ContainsFunc(list, func(m directory.Fido2Method) bool { return credid.Matches(m.ID, cred.ID) })
		if found != tc.registered {
			t.Errorf("%+v: registered %v, want %v (%v)", tc.fault, found, tc.registered, err)
		}
	}
	r := newFido2Rig(t, graphdouble.Options{})
	_, reg := register(t, r, nora)
	r.double.AddFault(graphdouble.Throttle("POST", fido2Path, 1, "2"))
	if _, err := r.client.RegisterFido2(ctx, nora, reg); err != nil || r.double.CountRequests("POST", fido2Path) != 2 {
		t.Errorf("429: %v after %d POSTs", err, r.double.CountRequests("POST", fido2Path))
	}
}
