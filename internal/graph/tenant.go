package graph

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// TenantAdmin implements directory.Tenant for tools/setup: the calls an
// administrator's sign-in makes to grant the Function's permissions and
// manage the authentication strength and Conditional Access policies.
type TenantAdmin struct {
	c  *Client
	ca *pacer
}

var _ directory.Tenant = (*TenantAdmin)(nil)

// Pacing sets the Conditional Access request pace. Graph allows one
// Conditional Access request per second per tenant, and its 429 carries
// no Retry-After (learn.microsoft.com/graph/throttling-limits), so we
// space the requests ourselves instead of learning the limit from errors.
type Pacing struct {
	Gap   time.Duration // default 1 s
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error // default: the client's retry sleep
}

// NewTenantAdmin wraps a client built with graph.New.
func NewTenantAdmin(c *Client, p Pacing) *TenantAdmin {
	if p.Gap <= 0 {
		p.Gap = time.Second
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Sleep == nil {
		p.Sleep = c.retry.Sleep
	}
	return &TenantAdmin{c: c, ca: &pacer{gap: p.Gap, now: p.Now, sleep: p.Sleep}}
}

// pacer spaces requests at least gap apart, retries included.
type pacer struct {
	mu    sync.Mutex
	last  time.Time
	gap   time.Duration
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.last.IsZero() {
		if d := p.last.Add(p.gap).Sub(p.now()); d > 0 {
			if err := p.sleep(ctx, d); err != nil {
				return err
			}
		}
	}
	p.last = p.now()
	return nil
}

// paced runs one Conditional Access call under the pacer, every attempt.
func (t *TenantAdmin) paced(ctx context.Context, op string, s safety, call func(context.Context) error) error {
	return t.c.do(ctx, op, s, func(ctx context.Context) error {
		if err := t.ca.wait(ctx); err != nil {
			return err
		}
		return call(ctx)
	})
}

// spSelect is what setup reads of a service principal.
var spSelect = []string{"id", "appId", "displayName", "servicePrincipalType", "appRoles"}

// ServicePrincipalByAppID implements directory.Tenant with the documented
// $filter=appId eq '…'. appID must be a GUID, so nothing is injected.
func (t *TenantAdmin) ServicePrincipalByAppID(ctx context.Context, appID string) (directory.ServicePrincipal, error) {
	if !directory.IsObjectID(appID) {
		return directory.ServicePrincipal{}, fmt.Errorf("find service principal: app id %q is not a GUID", appID)
	}
	filter := "appId eq '" + strings.ToLower(appID) + "'"
	cfg := &serviceprincipals.ServicePrincipalsRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ServicePrincipalsRequestBuilderGetQueryParameters{Filter: &filter, Select: spSelect},
	}
	var page models.ServicePrincipalCollectionResponseable
	err := t.c.do(ctx, "find service principal", idempotent, func(ctx context.Context) (err error) {
		page, err = t.c.sdk.ServicePrincipals().Get(ctx, cfg)
		return err
	})
	if err != nil {
		return directory.ServicePrincipal{}, err
	}
	if len(page.GetValue()) == 0 {
		return directory.ServicePrincipal{}, &directory.Error{Op: "find service principal", Status: 404,
			Message: "no service principal for app id " + appID, Kind: directory.ErrNotFound}
	}
	return toServicePrincipal(page.GetValue()[0]), nil
}

// ServicePrincipal implements directory.Tenant.
func (t *TenantAdmin) ServicePrincipal(ctx context.Context, id string) (directory.ServicePrincipal, error) {
	if !directory.IsObjectID(id) {
		return directory.ServicePrincipal{}, fmt.Errorf("read service principal: %q is not an object id", id)
	}
	cfg := &serviceprincipals.ServicePrincipalItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ServicePrincipalItemRequestBuilderGetQueryParameters{Select: spSelect},
	}
	var sp models.ServicePrincipalable
	err := t.c.do(ctx, "read service principal", idempotent, func(ctx context.Context) (err error) {
		sp, err = t.c.sdk.ServicePrincipals().ByServicePrincipalId(id).Get(ctx, cfg)
		return err
	})
	if err != nil {
		return directory.ServicePrincipal{}, err
	}
	return toServicePrincipal(sp), nil
}

func toServicePrincipal(sp models.ServicePrincipalable) directory.ServicePrincipal {
	out := directory.ServicePrincipal{ID: strings.ToLower(deref(sp.GetId())), AppID: strings.ToLower(deref(sp.GetAppId())),
		DisplayName: deref(sp.GetDisplayName()), Type: deref(sp.GetServicePrincipalType())}
	for _, r := range sp.GetAppRoles() {
		role := directory.AppRole{Value: deref(r.GetValue()), Enabled: deref(r.GetIsEnabled())}
		if r.GetId() != nil {
			role.ID = strings.ToLower(r.GetId().String())
		}
		for _, m := range r.GetAllowedMemberTypes() {
			role.ForApplications = role.ForApplications || m == "Application"
		}
		out.AppRoles = append(out.AppRoles, role)
	}
	return out
}

// AppRoleAssignments implements directory.Tenant.
func (t *TenantAdmin) AppRoleAssignments(ctx context.Context, principalID string) ([]directory.AppRoleAssignment, error) {
	if !directory.IsObjectID(principalID) {
		return nil, fmt.Errorf("list app role assignments: %q is not an object id", principalID)
	}
	builder := t.c.sdk.ServicePrincipals().ByServicePrincipalId(principalID).AppRoleAssignments()
	var out []directory.AppRoleAssignment
	err := walk(ctx, t.c, "list app role assignments",
		func(ctx context.Context) (models.AppRoleAssignmentCollectionResponseable, error) {
			return builder.Get(ctx, nil)
		},
		func(ctx context.Context, next string) (models.AppRoleAssignmentCollectionResponseable, error) {
			return builder.WithUrl(next).Get(ctx, nil)
		},
		func(page models.AppRoleAssignmentCollectionResponseable) {
			for _, a := range page.GetValue() {
				out = append(out, toAssignment(a))
			}
		})
	return out, err
}

func toAssignment(a models.AppRoleAssignmentable) directory.AppRoleAssignment {
	out := directory.AppRoleAssignment{ID: deref(a.GetId())}
	if a.GetPrincipalId() != nil {
		out.PrincipalID = strings.ToLower(a.GetPrincipalId().String())
	}
	if a.GetResourceId() != nil {
		out.ResourceID = strings.ToLower(a.GetResourceId().String())
	}
	if a.GetAppRoleId() != nil {
		out.AppRoleID = strings.ToLower(a.GetAppRoleId().String())
	}
	return out
}

// GrantAppRole implements directory.Tenant. A POST is repeated only after
// a 429: a second grant after a lost answer would fail as a duplicate,
// so an uncertain outcome is left for the caller to read back.
func (t *TenantAdmin) GrantAppRole(ctx context.Context, principalID, resourceID, appRoleID string) (directory.AppRoleAssignment, error) {
	ids, err := parseUUIDs(principalID, resourceID, appRoleID)
	if err != nil {
		return directory.AppRoleAssignment{}, fmt.Errorf("grant app role: %w", err)
	}
	body := models.NewAppRoleAssignment()
	body.SetPrincipalId(&ids[0])
	body.SetResourceId(&ids[1])
	body.SetAppRoleId(&ids[2])
	var created models.AppRoleAssignmentable
	err = t.c.do(ctx, "grant app role", once, func(ctx context.Context) (err error) {
		created, err = t.c.sdk.ServicePrincipals().ByServicePrincipalId(principalID).AppRoleAssignments().Post(ctx, body, nil)
		return err
	})
	if err != nil {
		return directory.AppRoleAssignment{}, err
	}
	return toAssignment(created), nil
}

func parseUUIDs(in ...string) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, len(in))
	for i, s := range in {
		u, err := uuid.Parse(s)
		if err != nil || !directory.IsObjectID(s) {
			return nil, fmt.Errorf("%q is not a GUID", s)
		}
		out[i] = u
	}
	return out, nil
}
