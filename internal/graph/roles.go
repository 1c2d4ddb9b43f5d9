package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/identitygovernance"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
	"golang.org/x/sync/errgroup"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// The protection check asks three collections about a handful of
// principals (the user and the role-assignable groups around them). Each
// is filtered only with the operators Graph documents for it:
//   - roleEligibilityScheduleInstances: principalId supports eq and ne,
//     not in (learn.microsoft.com/graph/api/resources/unifiedroleeligibilityscheduleinstance),
//     so one eq query per principal, in parallel;
//   - roleAssignments: principalId supports eq and in
//     (learn.microsoft.com/graph/api/resources/unifiedroleassignment), so
//     one in query per 15 principals, falling back to eq per principal if
//     Graph ever answers Request_UnsupportedQuery;
//   - PIM for Groups eligibilityScheduleInstances requires an eq filter on
//     principalId or groupId
//     (learn.microsoft.com/graph/api/privilegedaccessgroup-list-eligibilityscheduleinstances).

// inChunk is how many values one `in` clause carries; Graph caps the
// number of values in an `in` list (15 for directory queries).
const inChunk = 15

// EligibleRoles implements directory.Directory.
func (c *Client) EligibleRoles(ctx context.Context, principalIDs []string) ([]directory.RoleGrant, error) {
	return fanOut(ctx, c, principalIDs, c.eligibleRolesOf)
}

func (c *Client) eligibleRolesOf(ctx context.Context, principalID string) ([]directory.RoleGrant, error) {
	filter := "principalId eq " + quote(principalID)
	cfg := &rolemanagement.DirectoryRoleEligibilityScheduleInstancesRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleEligibilityScheduleInstancesRequestBuilderGetQueryParameters{
			Filter: &filter, Select: []string{"id", "principalId", "roleDefinitionId"},
		},
	}
	builder := c.sdk.RoleManagement().Directory().RoleEligibilityScheduleInstances()
	var grants []directory.RoleGrant
	err := walk(ctx, c, "list role eligibility",
		func(ctx context.Context) (models.UnifiedRoleEligibilityScheduleInstanceCollectionResponseable, error) {
			return builder.Get(ctx, cfg)
		},
		func(ctx context.Context, next string) (models.UnifiedRoleEligibilityScheduleInstanceCollectionResponseable, error) {
			return builder.WithUrl(next).Get(ctx, nil)
		},
		func(page models.UnifiedRoleEligibilityScheduleInstanceCollectionResponseable) {
			for _, inst := range page.GetValue() {
				grants = append(grants, directory.RoleGrant{
					PrincipalID: deref(inst.GetPrincipalId()), RoleDefinitionID: deref(inst.GetRoleDefinitionId()),
				})
			}
		})
	return grants, err
}

// AssignedRoles implements directory.Directory.
func (c *Client) AssignedRoles(ctx context.Context, principalIDs []string) ([]directory.RoleGrant, error) {
	if len(principalIDs) == 1 {
		return c.assignedRoles(ctx, "principalId eq "+quote(principalIDs[0]))
	}
	grants, err := fanOut(ctx, c, chunks(principalIDs, inChunk), func(ctx context.Context, chunk []string) ([]directory.RoleGrant, error) {
		return c.assignedRoles(ctx, "principalId in ("+quoteAll(chunk)+")")
	})
	if errors.Is(err, directory.ErrUnsupportedQuery) {
		c.log.WarnContext(ctx, "graph refused an in filter on role assignments; asking per principal")
		return fanOut(ctx, c, principalIDs, func(ctx context.Context, id string) ([]directory.RoleGrant, error) {
			return c.assignedRoles(ctx, "principalId eq "+quote(id))
		})
	}
	return grants, err
}

func (c *Client) assignedRoles(ctx context.Context, filter string) ([]directory.RoleGrant, error) {
	cfg := &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{
			Filter: &filter, Select: []string{"id", "principalId", "roleDefinitionId"},
		},
	}
	builder := c.sdk.RoleManagement().Directory().RoleAssignments()
	var grants []directory.RoleGrant
	err := walk(ctx, c, "list role assignments",
		func(ctx context.Context) (models.UnifiedRoleAssignmentCollectionResponseable, error) {
			return builder.Get(ctx, cfg)
		},
		func(ctx context.Context, next string) (models.UnifiedRoleAssignmentCollectionResponseable, error) {
			return builder.WithUrl(next).Get(ctx, nil)
		},
		func(page models.UnifiedRoleAssignmentCollectionResponseable) {
			for _, a := range page.GetValue() {
				grants = append(grants, directory.RoleGrant{
					PrincipalID: deref(a.GetPrincipalId()), RoleDefinitionID: deref(a.GetRoleDefinitionId()),
				})
			}
		})
	return grants, err
}

// GroupEligibilities implements directory.Directory.
func (c *Client) GroupEligibilities(ctx context.Context, principalID string) ([]directory.GroupEligibility, error) {
	filter := "principalId eq " + quote(principalID)
	cfg := &identitygovernance.PrivilegedAccessGroupEligibilityScheduleInstancesRequestBuilderGetRequestConfiguration{
		QueryParameters: &identitygovernance.PrivilegedAccessGroupEligibilityScheduleInstancesRequestBuilderGetQueryParameters{
			Filter: &filter, Select: []string{"id", "groupId", "accessId"},
		},
	}
	builder := c.sdk.IdentityGovernance().PrivilegedAccess().Group().EligibilityScheduleInstances()
	var out []directory.GroupEligibility
	err := walk(ctx, c, "list group eligibility",
		func(ctx context.Context) (models.PrivilegedAccessGroupEligibilityScheduleInstanceCollectionResponseable, error) {
			return builder.Get(ctx, cfg)
		},
		func(ctx context.Context, next string) (models.PrivilegedAccessGroupEligibilityScheduleInstanceCollectionResponseable, error) {
			return builder.WithUrl(next).Get(ctx, nil)
		},
		func(page models.PrivilegedAccessGroupEligibilityScheduleInstanceCollectionResponseable) {
			for _, e := range page.GetValue() {
				access := ""
				if a := e.GetAccessId(); a != nil {
					access = a.String()
				}
				out = append(out, directory.GroupEligibility{GroupID: deref(e.GetGroupId()), AccessID: access})
			}
		})
	return out, err
}

// fanOut runs fn for every item in parallel, at most the client's shared
// concurrency limit at once across all callers, and concatenates the
// results. The first failure cancels the rest: a partial answer must
// never pass for a complete one.
func fanOut[T, R any](ctx context.Context, c *Client, items []T, fn func(context.Context, T) ([]R, error)) ([]R, error) {
	if len(items) == 1 {
		return fn(ctx, items[0]) // one request is no fan-out: it needs no slot
	}
	results := make([][]R, len(items))
	g, ctx := errgroup.WithContext(ctx)
	for i, it := range items {
		g.Go(func() error {
			select {
			case c.slots <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			defer func() { <-c.slots }()
			var err error
			results[i], err = fn(ctx, it)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []R
	for _, r := range results {
		out = append(out, r...)
	}
	return out, nil
}

func chunks(ids []string, n int) [][]string {
	var out [][]string
	for start := 0; start < len(ids); start += n {
		out = append(out, ids[start:min(start+n, len(ids))])
	}
	return out
}

// quote makes an OData string literal; a quote inside doubles.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func quoteAll(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = quote(id)
	}
	return strings.Join(q, ",")
}
