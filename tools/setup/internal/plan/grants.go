package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// MicrosoftGraphAppID is the resource of every Graph application permission.
const MicrosoftGraphAppID = "00000003-0000-0000-c000-000000000000"

// findIdentity resolves the Function's identity by client id, else by
// object id (both are GUIDs; a user-assigned identity is usually known by
// its client id, AZURE_CLIENT_ID).
func findIdentity(ctx context.Context, t directory.Tenant, id string) (directory.ServicePrincipal, error) {
	sp, err := t.ServicePrincipalByAppID(ctx, id)
	if errors.Is(err, directory.ErrNotFound) {
		sp, err = t.ServicePrincipal(ctx, id)
	}
	if errors.Is(err, directory.ErrNotFound) {
		return sp, fmt.Errorf("no service principal has the client or object id %s: deploy the infrastructure first "+
			"(tools/infra), then pass its identity's client id", id)
	}
	return sp, err
}

// grantContext is what planning the grants needs.
type grantContext struct {
	in       Inputs
	identity directory.ServicePrincipal
	graph    directory.ServicePrincipal
	granted  map[string]directory.AppRoleAssignment // app role id -> assignment on Graph
	// catalogRoles are the identity's roles on --catalog.
	catalogRoles []directory.CatalogRoleAssignment
}

func planGrants(ctx context.Context, t directory.Tenant, in Inputs) (Section, error) {
	identity, err := findIdentity(ctx, t, in.identity())
	if err != nil {
		return Section{}, err
	}
	graph, err := t.ServicePrincipalByAppID(ctx, MicrosoftGraphAppID)
	if err != nil {
		return Section{}, fmt.Errorf("Microsoft Graph's service principal: %w", err)
	}
	assignments, err := t.AppRoleAssignments(ctx, identity.ID)
	if err != nil {
		return Section{}, err
	}
	gc := grantContext{in: in, identity: identity, graph: graph, granted: map[string]directory.AppRoleAssignment{}}
	for _, a := range assignments {
		if a.ResourceID == graph.ID {
			gc.granted[a.AppRoleID] = a
		}
	}
	if in.Catalog != "" {
		if gc.catalogRoles, err = identityCatalogRoles(ctx, t, in.Catalog, identity.ID); err != nil {
			return Section{}, err
		}
	}
	sec := Section{Short: "permission", Title: fmt.Sprintf("Permissions of %s (service principal %s, client id %s)",
		identity.DisplayName, identity.ID, identity.AppID)}
	wanted := map[string]bool{}
	for _, p := range Needed(in.Settings) {
		step, roleID := gc.step(p)
		if roleID != "" && wanted[roleID] {
			step = grantedAbove(step)
		}
		if roleID != "" {
			wanted[roleID] = true
		}
		sec.Steps = append(sec.Steps, step)
	}
	sec.Steps = append(sec.Steps, gc.extras(wanted)...)
	sec.Steps = append(sec.Steps, gc.catalogExtras()...)
	return sec, nil
}

// grantedAbove: two rows can settle on the same permission (a fallback to
// UserAuthenticationMethod.ReadWrite.All); it is granted once.
func grantedAbove(st Step) Step {
	if st.apply != nil {
		st.apply = nil
		st.Notes = append(st.Notes, "granted by the step above")
	}
	return st
}

func identityCatalogRoles(ctx context.Context, t directory.Tenant, catalogID, principalID string) ([]directory.CatalogRoleAssignment, error) {
	all, err := t.CatalogRoleAssignments(ctx, catalogID)
	if err != nil {
		return nil, fmt.Errorf("roles on catalog %s: %w", catalogID, err)
	}
	var out []directory.CatalogRoleAssignment
	for _, a := range all {
		if strings.EqualFold(a.PrincipalID, principalID) {
			out = append(out, a)
		}
	}
	return out, nil
}

// step plans one permission; roleID is the Graph app role it settles on.
func (gc grantContext) step(p Permission) (Step, string) {
	switch p.Kind {
	case ExchangeScope:
		return Step{Mark: Manual, Subject: p.Candidates[0] + " for " + gc.in.Settings.MailSender + " only",
			Notes: append([]string{p.Why}, exchangeCommands(gc.identity, gc.in.Settings.MailSender)...)}, ""
	case CatalogRole:
		return gc.catalogRoleStep(p), ""
	}
	i := slices.IndexFunc(p.Candidates, func(v string) bool { _, ok := gc.graph.Role(v); return ok })
	if i < 0 {
		return Step{Mark: Manual, Subject: p.Candidates[0],
			Notes: []string{p.Why, "Microsoft Graph in this tenant offers none of " + fmt.Sprint(p.Candidates) + " to applications"}}, ""
	}
	value := p.Candidates[i]
	role, _ := gc.graph.Role(value)
	notes := []string{p.Why}
	if i > 0 {
		notes = append(notes, fmt.Sprintf("%v not offered to applications here; %s is the least privileged that is", p.Candidates[:i], value))
	}
	if _, ok := gc.granted[role.ID]; ok {
		return Step{Mark: Same, Subject: value, Notes: notes}, role.ID
	}
	principal, resource := gc.identity.ID, gc.graph.ID
	return Step{Mark: Create, Subject: value, Notes: notes,
		apply: func(ctx context.Context, t directory.Tenant, _ *state) error {
			_, err := t.GrantAppRole(ctx, principal, resource, role.ID)
			return err
		}}, role.ID
}

// extras lists Graph permissions the identity holds that these settings
// do not need. Setup never removes a grant: the person running it decides.
func (gc grantContext) extras(wanted map[string]bool) []Step {
	var out []Step
	for _, r := range gc.graph.AppRoles {
		a, held := gc.granted[r.ID]
		if !held || wanted[r.ID] {
			continue
		}
		remove := "az rest --method DELETE --url https://graph.microsoft.com/v1.0/servicePrincipals/" +
			gc.identity.ID + "/appRoleAssignments/" + a.ID
		note := "not needed with these settings; setup never removes grants. Remove it: " + remove
		if r.Value == "Mail.Send" {
			note = "tenant-wide: it lets the Function send as any mailbox. Scope Mail.Send in Exchange Online (above), then remove it: " + remove
		}
		out = append(out, Step{Mark: Manual, Subject: "extra grant " + r.Value, Notes: []string{note}, wrong: true})
	}
	return out
}

// catalogRoleStep assigns the catalog role the resume needs, on --catalog;
// without it the step is a person's.
func (gc grantContext) catalogRoleStep(p Permission) Step {
	if gc.in.Catalog == "" {
		return Step{Mark: Manual, Subject: "catalog role " + p.Candidates[0],
			Notes: []string{p.Why, catalogRoleSteps(gc.identity), "or run setup apply --catalog <catalog id>"}}
	}
	subject := "catalog role " + p.Candidates[0] + " on catalog " + gc.in.Catalog
	for _, a := range gc.catalogRoles {
		if a.RoleDefinitionID == directory.AccessPackageAssignmentManagerRole {
			return Step{Mark: Same, Subject: subject, Notes: []string{p.Why}}
		}
	}
	catalog, principal := gc.in.Catalog, gc.identity.ID
	return Step{Mark: Create, Subject: subject, Notes: []string{p.Why},
		apply: func(ctx context.Context, t directory.Tenant, _ *state) error {
			_, err := t.AssignCatalogRole(ctx, catalog, principal, directory.AccessPackageAssignmentManagerRole)
			return err
		}}
}

// catalogRoleNames name the catalog roles (entitlement-management-delegate).
var catalogRoleNames = map[string]string{
	directory.CatalogOwnerRole:                   "Catalog owner",
	directory.CatalogReaderRole:                  "Catalog reader",
	directory.AccessPackageManagerRole:           "Access package manager",
	directory.AccessPackageAssignmentManagerRole: "Access package assignment manager",
}

// catalogExtras lists the identity's roles on the catalog that these
// settings do not need; like extra grants, they are never removed.
func (gc grantContext) catalogExtras() []Step {
	var out []Step
	for _, a := range gc.catalogRoles {
		if a.RoleDefinitionID == directory.AccessPackageAssignmentManagerRole && gc.in.Settings.Reset.Resume {
			continue
		}
		name := catalogRoleNames[a.RoleDefinitionID]
		if name == "" {
			name = "role " + a.RoleDefinitionID
		}
		out = append(out, Step{Mark: Manual, Subject: "extra catalog role " + name + " on catalog " + gc.in.Catalog,
			Notes: []string{"not needed with these settings; setup never removes roles. Remove it: " +
				"az rest --method DELETE --url https://graph.microsoft.com/v1.0/roleManagement/entitlementManagement/roleAssignments/" + a.ID},
			wrong: true})
	}
	return out
}
