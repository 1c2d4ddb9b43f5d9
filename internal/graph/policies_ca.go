package graph

import (
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// Conditional Access policies between our type and the SDK's. Only the
// parts setup manages are written; a PATCH leaves the rest as it is.

func enumValue[T any](parse func(string) (any, error), v string) (*T, error) {
	x, err := parse(v)
	p, ok := x.(*T)
	if err != nil || !ok || p == nil {
		return nil, fmt.Errorf("%q is not a known value", v)
	}
	return p, nil
}

func enumValues[T any](parse func(string) (any, error), vs []string) ([]T, error) {
	out := make([]T, 0, len(vs))
	for _, v := range vs {
		p, err := enumValue[T](parse, v)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// caBody builds the SDK policy for a POST or PATCH.
func caBody(p directory.CAPolicy) (*models.ConditionalAccessPolicy, error) {
	state, err := enumValue[models.ConditionalAccessPolicyState](models.ParseConditionalAccessPolicyState, p.State)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	cond, err := caConditions(p)
	if err != nil {
		return nil, err
	}
	grant, err := caGrant(p)
	if err != nil {
		return nil, err
	}
	body := models.NewConditionalAccessPolicy()
	body.SetDisplayName(&p.DisplayName)
	body.SetState(state)
	body.SetConditions(cond)
	body.SetGrantControls(grant)
	if p.SignInFrequencyHours > 0 {
		body.SetSessionControls(signInFrequency(p.SignInFrequencyHours))
	}
	return body, nil
}

func caConditions(p directory.CAPolicy) (*models.ConditionalAccessConditionSet, error) {
	users := models.NewConditionalAccessUsers()
	users.SetIncludeUsers(nonNil(p.IncludeUsers))
	users.SetExcludeUsers(nonNil(p.ExcludeUsers))
	users.SetIncludeGroups(nonNil(p.IncludeGroups))
	users.SetExcludeGroups(nonNil(p.ExcludeGroups))
	if p.ExcludeGuests {
		guests, err := allGuests()
		if err != nil {
			return nil, err
		}
		users.SetExcludeGuestsOrExternalUsers(guests)
	}
	apps := models.NewConditionalAccessApplications()
	apps.SetIncludeApplications(nonNil(p.IncludeApplications))
	apps.SetIncludeUserActions(nonNil(p.IncludeUserActions))
	clients, err := enumValues[models.ConditionalAccessClientApp](models.ParseConditionalAccessClientApp, p.ClientAppTypes)
	if err != nil {
		return nil, fmt.Errorf("clientAppTypes: %w", err)
	}
	cond := models.NewConditionalAccessConditionSet()
	cond.SetUsers(users)
	cond.SetApplications(apps)
	cond.SetClientAppTypes(clients)
	if len(p.IncludePlatforms) > 0 {
		platforms, err := enumValues[models.ConditionalAccessDevicePlatform](models.ParseConditionalAccessDevicePlatform, p.IncludePlatforms)
		if err != nil {
			return nil, fmt.Errorf("platforms: %w", err)
		}
		pl := models.NewConditionalAccessPlatforms()
		pl.SetIncludePlatforms(platforms)
		pl.SetExcludePlatforms([]models.ConditionalAccessDevicePlatform{})
		cond.SetPlatforms(pl)
	}
	return cond, nil
}

func allGuests() (*models.ConditionalAccessGuestsOrExternalUsers, error) {
	kinds, err := enumValue[models.ConditionalAccessGuestOrExternalUserTypes](models.ParseConditionalAccessGuestOrExternalUserTypes, guestTypes)
	if err != nil {
		return nil, fmt.Errorf("guest types: %w", err)
	}
	tenants := models.NewConditionalAccessAllExternalTenants()
	all := models.ALL_CONDITIONALACCESSEXTERNALTENANTSMEMBERSHIPKIND
	tenants.SetMembershipKind(&all)
	g := models.NewConditionalAccessGuestsOrExternalUsers()
	g.SetGuestOrExternalUserTypes(kinds)
	g.SetExternalTenants(tenants)
	return g, nil
}

func caGrant(p directory.CAPolicy) (*models.ConditionalAccessGrantControls, error) {
	controls, err := enumValues[models.ConditionalAccessGrantControl](models.ParseConditionalAccessGrantControl, p.BuiltInControls)
	if err != nil {
		return nil, fmt.Errorf("grant controls: %w", err)
	}
	grant := models.NewConditionalAccessGrantControls()
	grant.SetOperator(&p.Operator)
	grant.SetBuiltInControls(controls)
	if p.StrengthID != "" {
		ref := models.NewAuthenticationStrengthPolicy()
		ref.SetId(&p.StrengthID)
		grant.SetAuthenticationStrength(ref)
	}
	return grant, nil
}

func signInFrequency(hours int) *models.ConditionalAccessSessionControls {
	f := models.NewSignInFrequencySessionControl()
	on, value := true, int32(hours)
	unit, interval := models.HOURS_SIGNINFREQUENCYTYPE, models.TIMEBASED_SIGNINFREQUENCYINTERVAL
	kind := models.PRIMARYANDSECONDARYAUTHENTICATION_SIGNINFREQUENCYAUTHENTICATIONTYPE
	f.SetIsEnabled(&on)
	f.SetValue(&value)
	f.SetTypeEscaped(&unit)
	f.SetFrequencyInterval(&interval)
	f.SetAuthenticationType(&kind)
	s := models.NewConditionalAccessSessionControls()
	s.SetSignInFrequency(f)
	return s
}

// toCAPolicy reads back what setup manages; anything else is ignored.
func toCAPolicy(p models.ConditionalAccessPolicyable) directory.CAPolicy {
	out := directory.CAPolicy{ID: deref(p.GetId()), DisplayName: deref(p.GetDisplayName())}
	if s := p.GetState(); s != nil {
		out.State = s.String()
	}
	readConditions(&out, p.GetConditions())
	if g := p.GetGrantControls(); g != nil {
		out.Operator = deref(g.GetOperator())
		for _, c := range g.GetBuiltInControls() {
			out.BuiltInControls = append(out.BuiltInControls, c.String())
		}
		if s := g.GetAuthenticationStrength(); s != nil {
			out.StrengthID = deref(s.GetId())
		}
	}
	if s := p.GetSessionControls(); s != nil && s.GetSignInFrequency() != nil {
		f := s.GetSignInFrequency()
		unit := f.GetTypeEscaped()
		if deref(f.GetIsEnabled()) && unit != nil && *unit == models.HOURS_SIGNINFREQUENCYTYPE {
			out.SignInFrequencyHours = int(deref(f.GetValue()))
		}
	}
	return out
}

func readConditions(out *directory.CAPolicy, c models.ConditionalAccessConditionSetable) {
	if c == nil {
		return
	}
	if u := c.GetUsers(); u != nil {
		out.IncludeUsers, out.ExcludeUsers = u.GetIncludeUsers(), u.GetExcludeUsers()
		out.IncludeGroups, out.ExcludeGroups = u.GetIncludeGroups(), u.GetExcludeGroups()
		out.ExcludeGuests = excludesAllGuests(u.GetExcludeGuestsOrExternalUsers())
	}
	if a := c.GetApplications(); a != nil {
		out.IncludeApplications, out.IncludeUserActions = a.GetIncludeApplications(), a.GetIncludeUserActions()
	}
	if pl := c.GetPlatforms(); pl != nil {
		for _, x := range pl.GetIncludePlatforms() {
			out.IncludePlatforms = append(out.IncludePlatforms, x.String())
		}
	}
	for _, x := range c.GetClientAppTypes() {
		out.ClientAppTypes = append(out.ClientAppTypes, x.String())
	}
}

// excludesAllGuests: every guest kind, from all external tenants.
func excludesAllGuests(g models.ConditionalAccessGuestsOrExternalUsersable) bool {
	if g == nil || g.GetGuestOrExternalUserTypes() == nil {
		return false
	}
	have := strings.Split(g.GetGuestOrExternalUserTypes().String(), ",")
	for _, want := range strings.Split(guestTypes, ",") {
		found := false
		for _, h := range have {
			found = found || h == want
		}
		if !found {
			return false
		}
	}
	t := g.GetExternalTenants()
	return t == nil || t.GetMembershipKind() == nil || *t.GetMembershipKind() == models.ALL_CONDITIONALACCESSEXTERNALTENANTSMEMBERSHIPKIND
}
