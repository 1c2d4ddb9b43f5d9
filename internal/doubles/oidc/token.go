package oidc

import (
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// entraBackdate: Entra sets iat and nbf five minutes in the past to absorb
// clock skew; we copy that so verifiers see realistic values.
const entraBackdate = 5 * time.Minute

// Claims describe an access token. Zero fields get Entra-like defaults.
type Claims struct {
	// Version is "1.0" or "2.0" (the "ver" claim). Empty: "2.0".
	Version string
	// Issuer overrides "iss". Empty: Entra's issuer for Version and tenant.
	Issuer string
	// Audience ("aud"): the resource's app id URI or client id.
	Audience string
	// TenantID ("tid"). Empty: the issuer's tenant.
	TenantID string
	// AppID is the calling application's client id, written as "appid"
	// in v1 tokens and "azp" in v2 tokens.
	AppID string
	// ObjectID ("oid") of the caller's service principal. Empty: random.
	ObjectID string
	// Subject ("sub"). Empty: ObjectID, as in app-only tokens.
	Subject string
	// Roles ("roles"): app roles granted to the caller.
	Roles []string
	// IssuedAt ("iat"). Zero: now minus five minutes, as Entra does.
	IssuedAt time.Time
	// NotBefore ("nbf"). Zero: IssuedAt.
	NotBefore time.Time
	// Expiry ("exp"). Zero: now plus the issuer's token lifetime.
	Expiry time.Time
	// Extra claims, applied last, so they can also override the above.
	Extra map[string]any
}

// Issue signs c with the current key. It panics only if signing itself
// fails, which with an in-memory RSA key means a bug.
func (i *Issuer) Issue(c Claims) string {
	return i.sign(i.current(), i.claimSet(c))
}

// claimSet renders c as the JSON claim set of an Entra access token.
func (i *Issuer) claimSet(c Claims) map[string]any {
	c = i.withDefaults(c)
	m := map[string]any{
		"iss": c.Issuer, "aud": c.Audience, "tid": c.TenantID,
		"oid": c.ObjectID, "sub": c.Subject, "ver": c.Version,
		"iat": c.IssuedAt.Unix(), "nbf": c.NotBefore.Unix(), "exp": c.Expiry.Unix(),
	}
	if c.Version == "1.0" {
		m["appid"], m["appidacr"] = c.AppID, "2"
	} else {
		m["azp"], m["azpacr"] = c.AppID, "2"
	}
	if len(c.Roles) > 0 {
		m["roles"] = c.Roles
	}
	for k, v := range c.Extra {
		m[k] = v
	}
	return m
}

func (i *Issuer) withDefaults(c Claims) Claims {
	if c.Version == "" {
		c.Version = "2.0"
	}
	c.TenantID = orDefault(c.TenantID, i.TenantID)
	if c.Issuer == "" {
		c.Issuer = V2IssuerFor(c.TenantID)
		if c.Version == "1.0" {
			c.Issuer = V1IssuerFor(c.TenantID)
		}
	}
	c.ObjectID = orDefault(c.ObjectID, newGUID)
	c.Subject = orDefault(c.Subject, func() string { return c.ObjectID })
	now := i.now()
	if c.IssuedAt.IsZero() {
		c.IssuedAt = now.Add(-entraBackdate)
	}
	if c.NotBefore.IsZero() {
		c.NotBefore = c.IssuedAt
	}
	if c.Expiry.IsZero() {
		c.Expiry = now.Add(i.lifetime)
	}
	return c
}

// sign serialises claims as a JWS with Entra's header shape
// ({"typ":"JWT","alg":"RS256","x5t":kid,"kid":kid}).
func (i *Issuer) sign(key *signingKey, claims map[string]any) string {
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("x5t", key.kid)
	signer, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.RS256,
		Key:       jose.JSONWebKey{Key: key.priv, KeyID: key.kid},
	}, opts)
	if err != nil {
		panic(fmt.Sprintf("oidc double: creating signer: %v", err))
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		panic(fmt.Sprintf("oidc double: signing token: %v", err))
	}
	return tok
}
