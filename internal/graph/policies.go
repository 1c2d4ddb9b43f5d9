package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/identity"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/policies"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// AuthStrengths implements directory.Tenant. Only custom strengths are
// read: built-ins are immutable, and a tenant's built-ins may name modes
// newer than this SDK can parse.
func (t *TenantAdmin) AuthStrengths(ctx context.Context) ([]directory.AuthStrength, error) {
	filter := "policyType eq 'custom'"
	cfg := &policies.AuthenticationStrengthPoliciesRequestBuilderGetRequestConfiguration{
		QueryParameters: &policies.AuthenticationStrengthPoliciesRequestBuilderGetQueryParameters{Filter: &filter},
	}
	builder := t.c.sdk.Policies().AuthenticationStrengthPolicies()
	var out []directory.AuthStrength
	err := walk(ctx, t.c, "list authentication strengths",
		func(ctx context.Context) (models.AuthenticationStrengthPolicyCollectionResponseable, error) {
			return builder.Get(ctx, cfg)
		},
		func(ctx context.Context, next string) (models.AuthenticationStrengthPolicyCollectionResponseable, error) {
			return builder.WithUrl(next).Get(ctx, nil)
		},
		func(page models.AuthenticationStrengthPolicyCollectionResponseable) {
			for _, p := range page.GetValue() {
				out = append(out, toStrength(p))
			}
		})
	return out, err
}

func toStrength(p models.AuthenticationStrengthPolicyable) directory.AuthStrength {
	return directory.AuthStrength{ID: deref(p.GetId()), DisplayName: deref(p.GetDisplayName()),
		Description: deref(p.GetDescription()), Combinations: models.SerializeAuthenticationMethodModes(p.GetAllowedCombinations())}
}

// methodModes turns "fido2" or "password,sms" into the SDK's flags.
func methodModes(combos []string) ([]models.AuthenticationMethodModes, error) {
	var out []models.AuthenticationMethodModes
	for _, c := range combos {
		v, err := models.ParseAuthenticationMethodModes(strings.ReplaceAll(c, " ", ""))
		m, ok := v.(*models.AuthenticationMethodModes)
		if err != nil || !ok || m == nil || *m == 0 {
			return nil, fmt.Errorf("authentication method combination %q is not known", c)
		}
		out = append(out, *m)
	}
	return out, nil
}

// CreateAuthStrength implements directory.Tenant (repeated only after 429).
func (t *TenantAdmin) CreateAuthStrength(ctx context.Context, s directory.AuthStrength) (directory.AuthStrength, error) {
	modes, err := methodModes(s.Combinations)
	if err != nil {
		return directory.AuthStrength{}, fmt.Errorf("create authentication strength: %w", err)
	}
	body := models.NewAuthenticationStrengthPolicy()
	body.SetDisplayName(&s.DisplayName)
	body.SetDescription(&s.Description)
	body.SetAllowedCombinations(modes)
	var created models.AuthenticationStrengthPolicyable
	err = t.c.do(ctx, "create authentication strength", once, func(ctx context.Context) (err error) {
		created, err = t.c.sdk.Policies().AuthenticationStrengthPolicies().Post(ctx, body, nil)
		return err
	})
	if err != nil {
		return directory.AuthStrength{}, err
	}
	return toStrength(created), nil
}

// UpdateAuthStrength implements directory.Tenant: a PATCH of the name and
// description, the only properties PATCH may change.
func (t *TenantAdmin) UpdateAuthStrength(ctx context.Context, id, displayName, description string) error {
	body := models.NewAuthenticationStrengthPolicy()
	body.SetDisplayName(&displayName)
	body.SetDescription(&description)
	return t.c.do(ctx, "update authentication strength", idempotent, func(ctx context.Context) error {
		_, err := t.c.sdk.Policies().AuthenticationStrengthPolicies().ByAuthenticationStrengthPolicyId(id).Patch(ctx, body, nil)
		return err
	})
}

// UpdateAllowedCombinations implements directory.Tenant. Setting the same
// combinations twice is harmless, so it retries like a read.
func (t *TenantAdmin) UpdateAllowedCombinations(ctx context.Context, id string, combos []string) ([]string, error) {
	modes, err := methodModes(combos)
	if err != nil {
		return nil, fmt.Errorf("update allowed combinations: %w", err)
	}
	body := policies.NewAuthenticationStrengthPoliciesItemUpdateAllowedCombinationsPostRequestBody()
	body.SetAllowedCombinations(modes)
	var res models.UpdateAllowedCombinationsResultable
	err = t.c.do(ctx, "update allowed combinations", idempotent, func(ctx context.Context) (err error) {
		res, err = t.c.sdk.Policies().AuthenticationStrengthPolicies().ByAuthenticationStrengthPolicyId(id).
			UpdateAllowedCombinations().Post(ctx, body, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res.GetConditionalAccessReferences(), nil
}

// CAPolicies implements directory.Tenant, one paced request per page.
func (t *TenantAdmin) CAPolicies(ctx context.Context) ([]directory.CAPolicy, error) {
	builder := t.c.sdk.Identity().ConditionalAccess().Policies()
	var out []directory.CAPolicy
	link := ""
	for n := 0; n < maxPages; n++ {
		var page models.ConditionalAccessPolicyCollectionResponseable
		err := t.paced(ctx, "list conditional access policies", idempotent, func(ctx context.Context) (err error) {
			if link == "" {
				page, err = builder.Get(ctx, nil)
			} else {
				page, err = builder.WithUrl(link).Get(ctx, nil)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, p := range page.GetValue() {
			out = append(out, toCAPolicy(p))
		}
		if link = deref(page.GetOdataNextLink()); link == "" {
			return out, nil
		}
	}
	return nil, fmt.Errorf("list conditional access policies: more than %d pages", maxPages)
}

// CreateCAPolicy implements directory.Tenant (repeated only after 429).
func (t *TenantAdmin) CreateCAPolicy(ctx context.Context, p directory.CAPolicy) (directory.CAPolicy, error) {
	body, err := caBody(p)
	if err != nil {
		return directory.CAPolicy{}, fmt.Errorf("create conditional access policy: %w", err)
	}
	var created models.ConditionalAccessPolicyable
	err = t.paced(ctx, "create conditional access policy", once, func(ctx context.Context) (err error) {
		created, err = t.c.sdk.Identity().ConditionalAccess().Policies().Post(ctx, body, nil)
		return err
	})
	if err != nil {
		return directory.CAPolicy{}, err
	}
	return toCAPolicy(created), nil
}

// UpdateCAPolicy implements directory.Tenant: one PATCH with the managed
// parts, harmless to repeat.
func (t *TenantAdmin) UpdateCAPolicy(ctx context.Context, id string, p directory.CAPolicy) error {
	body, err := caBody(p)
	if err != nil {
		return fmt.Errorf("update conditional access policy: %w", err)
	}
	var cfg *identity.ConditionalAccessPoliciesConditionalAccessPolicyItemRequestBuilderPatchRequestConfiguration
	return t.paced(ctx, "update conditional access policy", idempotent, func(ctx context.Context) error {
		_, err := t.c.sdk.Identity().ConditionalAccess().Policies().ByConditionalAccessPolicyId(id).Patch(ctx, body, cfg)
		return err
	})
}

// TAPPolicy implements directory.Tenant.
func (t *TenantAdmin) TAPPolicy(ctx context.Context) (directory.TAPPolicy, error) {
	cfg, err := t.methodConfiguration(ctx, "TemporaryAccessPass")
	if err != nil {
		return directory.TAPPolicy{}, err
	}
	tap, ok := cfg.(models.TemporaryAccessPassAuthenticationMethodConfigurationable)
	if !ok {
		return directory.TAPPolicy{}, fmt.Errorf("read TemporaryAccessPass policy: unexpected type %T", cfg)
	}
	return directory.TAPPolicy{
		Enabled: enabled(tap.GetState()), UsableOnce: deref(tap.GetIsUsableOnce()),
		DefaultLifetime: int(deref(tap.GetDefaultLifetimeInMinutes())),
		MinLifetime:     int(deref(tap.GetMinimumLifetimeInMinutes())), MaxLifetime: int(deref(tap.GetMaximumLifetimeInMinutes())),
	}, nil
}

// Fido2Policy implements directory.Tenant.
func (t *TenantAdmin) Fido2Policy(ctx context.Context) (directory.Fido2Policy, error) {
	cfg, err := t.methodConfiguration(ctx, "Fido2")
	if err != nil {
		return directory.Fido2Policy{}, err
	}
	f, ok := cfg.(models.Fido2AuthenticationMethodConfigurationable)
	if !ok {
		return directory.Fido2Policy{}, fmt.Errorf("read Fido2 policy: unexpected type %T", cfg)
	}
	return directory.Fido2Policy{Enabled: enabled(f.GetState()),
		SelfServiceRegistration: deref(f.GetIsSelfServiceRegistrationAllowed()),
		AttestationEnforced:     deref(f.GetIsAttestationEnforced())}, nil
}

func (t *TenantAdmin) methodConfiguration(ctx context.Context, id string) (models.AuthenticationMethodConfigurationable, error) {
	var cfg models.AuthenticationMethodConfigurationable
	err := t.c.do(ctx, "read "+id+" policy", idempotent, func(ctx context.Context) (err error) {
		cfg, err = t.c.sdk.Policies().AuthenticationMethodsPolicy().AuthenticationMethodConfigurations().
			ByAuthenticationMethodConfigurationId(id).Get(ctx, nil)
		return err
	})
	return cfg, err
}

func enabled(s *models.AuthenticationMethodState) bool {
	return s != nil && *s == models.ENABLED_AUTHENTICATIONMETHODSTATE
}

// guestTypes are every kind of guest and external user: "all users except
// guests" excludes them all, from every external tenant.
const guestTypes = "internalGuest,b2bCollaborationGuest,b2bCollaborationMember,b2bDirectConnectUser,otherExternalUser,serviceProvider"
