package graph_test

// These tests run the real msgraph-sdk-go client against the in-repo Graph
// double: what passes here is what the SDK sends and accepts.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

const (
	nora       = graphtest.Nora
	mara       = graphtest.Mara
	una        = graphtest.Una
	gina       = graphtest.Gina
	pia        = graphtest.Pia
	bree       = graphtest.Bree
	hank       = graphtest.Hank
	protected  = graphtest.ProtectedGroup
	breakglass = "20000000-0000-4000-8000-000000000001"
	helpdesk   = "20000000-0000-4000-8000-000000000004" // role-assignable
)

type rig struct {
	double *graphdouble.Double
	client *graph.Client
	*graphtest.Rig
}

func newRig(t *testing.T, opts graphdouble.Options) *rig {
	r := graphtest.New(t, opts)
	return &rig{double: r.Double, client: r.Client, Rig: r}
}

func TestUserAndManager(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	ctx := context.Background()
	byUPN, err := r.client.User(ctx, "nora.new@contoso.example")
	if err != nil {
		t.Fatal(err)
	}
	if byUPN.ID != nora || byUPN.DisplayName != "Nora New" || byUPN.Mail != "nora.new@contoso.example" || !byUPN.AccountEnabled || byUPN.UserType != "Member" {
		t.Errorf("user: %+v", byUPN)
	}
	m, err := r.client.Manager(ctx, nora)
	if err != nil || m.ID != mara || m.Mail != "mara.manager@contoso.example" {
		t.Errorf("manager: %+v %v", m, err)
	}
	if _, err := r.client.Manager(ctx, una); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("no manager: %v", err)
	}
	if _, err := r.client.User(ctx, "nobody@contoso.example"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}

func TestMembershipsAcrossPages(t *testing.T) {
	r := newRig(t, graphdouble.Options{PageSize: 1})
	ctx := context.Background()
	m, err := r.client.Memberships(ctx, bree)
	if err != nil {
		t.Fatal(err)
	}
	if !m.InGroup(protected) || !m.InGroup(breakglass) {
		t.Errorf("nested protected group not seen: %+v", m)
	}
	m, err = r.client.Memberships(ctx, gina)
	if err != nil || len(m.ActiveRoles) == 0 {
		t.Errorf("gina's active role not seen: %+v %v", m, err)
	}
	m, err = r.client.Memberships(ctx, hank)
	if err != nil || !slices.Contains(m.RoleAssignableGroupIDs, helpdesk) {
		t.Errorf("role-assignable group not seen: %+v %v", m, err)
	}
	if r.double.CountRequests("GET", "/v1.0/users/*/transitiveMemberOf") < 2 {
		t.Error("expected more than one page")
	}
}

func TestCreateTAPAndSendMail(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	ctx := context.Background()
	tap, err := r.client.CreateTAP(ctx, nora, directory.TAPRequest{LifetimeMinutes: 120, UsableOnce: true})
	if err != nil {
		t.Fatal(err)
	}
	issued := r.double.IssuedTAPs(nora)
	if len(issued) != 1 || issued[0].ID != tap.ID || issued[0].Value != tap.Pass.Reveal() {
		t.Fatalf("issued %+v, got %s", issued, tap.ID)
	}
	if tap.LifetimeMinutes != 120 || !tap.UsableOnce || tap.Created.IsZero() || tap.Expires().Before(time.Now()) {
		t.Errorf("tap: %+v", tap)
	}
	err = r.client.SendMail(ctx, "mara.manager@contoso.example", directory.Mail{
		Subject: "hello", Body: "pass " + tap.Pass.Reveal(), To: []string{"mara.manager@contoso.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := r.double.Outbox()
	if len(out) != 1 || out[0].Subject != "hello" || out[0].SaveToSentItems || len(out[0].To) != 1 ||
		out[0].To[0].Address != "mara.manager@contoso.example" || !strings.Contains(out[0].Body, tap.Pass.Reveal()) {
		t.Errorf("outbox: %+v", out)
	}
	post := r.double.RequestsMatching("POST", "/v1.0/users/*/sendMail")
	if len(post) != 1 || !post[0].Gzipped {
		t.Errorf("sendMail requests: %+v", post)
	}
	if err := r.client.DeleteTAP(ctx, nora, tap.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.client.DeleteTAP(ctx, nora, tap.ID); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

// The TAP POST reached Graph and was applied, but the answer was lost: the
// client must not POST again (that would replace the pass) and must say the
// outcome is unknown.
func TestCreateTAPLostAnswerIsNeverRetried(t *testing.T) {
	for name, fault := range map[string]graphdouble.Fault{
		"dropped": graphdouble.DropResponse("POST", "/v1.0/users/*/authentication/temporaryAccessPassMethods", 1),
		"503":     graphdouble.ServerError("POST", "/v1.0/users/*/authentication/temporaryAccessPassMethods", 503, 1),
		"504":     graphdouble.ServerError("POST", "/v1.0/users/*/authentication/temporaryAccessPassMethods", 504, 1),
	} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, graphdouble.Options{})
			r.double.AddFault(fault)
			_, err := r.client.CreateTAP(context.Background(), nora, directory.TAPRequest{LifetimeMinutes: 60, UsableOnce: true})
			if !errors.Is(err, directory.ErrOutcomeUnknown) {
				t.Fatalf("err = %v, want outcome unknown", err)
			}
			if n := r.double.CountRequests("POST", "/v1.0/users/*/authentication/temporaryAccessPassMethods"); n != 1 {
				t.Errorf("TAP POSTs = %d, want exactly 1", n)
			}
		})
	}
}

func TestCreateTAPRetriedAfterThrottling(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	r.double.AddFault(graphdouble.Throttle("POST", "/v1.0/users/*/authentication/temporaryAccessPassMethods", 2, "3"))
	tap, err := r.client.CreateTAP(context.Background(), nora, directory.TAPRequest{LifetimeMinutes: 60, UsableOnce: true})
	if err != nil {
		t.Fatal(err)
	}
	if issued := r.double.IssuedTAPs(nora); len(issued) != 1 || issued[0].ID != tap.ID {
		t.Errorf("issued = %+v", issued)
	}
	if len(r.Waits()) != 2 || r.Waits()[0] != 3*time.Second {
		t.Errorf("waits = %v, want Retry-After 3s twice", r.Waits())
	}
}

func TestReadsRetryOnTransientFailures(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	r.double.AddFault(graphdouble.ServerError("GET", "/v1.0/users/*", 503, 2))
	r.double.AddFault(graphdouble.DropResponse("GET", "/v1.0/users/*/manager", 1))
	if _, err := r.client.User(context.Background(), nora); err != nil {
		t.Fatal(err)
	}
	if _, err := r.client.Manager(context.Background(), nora); err != nil {
		t.Fatal(err)
	}
	if n := r.double.CountRequests("GET", "/v1.0/users/*"); n != 3 {
		t.Errorf("user GETs = %d, want 3", n)
	}
}
