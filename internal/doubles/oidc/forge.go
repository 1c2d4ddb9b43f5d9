package oidc

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Values forgeries use where a claim must be wrong. Exported so tests can
// make sure their configuration does not accidentally accept them.
const (
	OtherTenantID   = "00000000-0000-4000-8000-0000000000bd"
	ForeignAudience = "api://someone-elses-api"
	DisallowedAppID = "00000000-0000-4000-8000-0000000000ba"
	UnknownKeyID    = "unknown-key-id"
)

// Forgery names a way to make a token that a correct verifier refuses.
type Forgery int

const (
	// ForgeOtherKey: signed by a key not in the JWKS, claiming the real
	// key's id.
	ForgeOtherKey Forgery = iota + 1
	// ForgeUnknownKid: signed with a key id the JWKS does not have.
	ForgeUnknownKid
	// ForgeWrongIssuer: a genuine signature, an issuer nobody configured.
	ForgeWrongIssuer
	// ForgeWrongAudience: a genuine token for another API.
	ForgeWrongAudience
	// ForgeExpired: expired an hour ago.
	ForgeExpired
	// ForgeNotYetValid: nbf an hour from now.
	ForgeNotYetValid
	// ForgeAlgNone: "alg":"none" with an empty signature.
	ForgeAlgNone
	// ForgeHS256: HMAC-signed with the public key as the secret (the
	// algorithm-confusion attack).
	ForgeHS256
	// ForgeWrongTenant: a genuine signature (Entra's keys are shared by
	// all tenants) on another tenant's token: its issuer and tid.
	ForgeWrongTenant
	// ForgeDisallowedApp: a genuine token from an application that is not
	// in the allow-list.
	ForgeDisallowedApp
	// ForgeTampered: a genuine token whose payload was changed afterwards.
	ForgeTampered
)

// AllForgeries lists every Forgery, for table-driven tests.
func AllForgeries() []Forgery {
	return []Forgery{ForgeOtherKey, ForgeUnknownKid, ForgeWrongIssuer, ForgeWrongAudience,
		ForgeExpired, ForgeNotYetValid, ForgeAlgNone, ForgeHS256, ForgeWrongTenant,
		ForgeDisallowedApp, ForgeTampered}
}

func (f Forgery) String() string {
	names := map[Forgery]string{
		ForgeOtherKey: "other-key-same-kid", ForgeUnknownKid: "unknown-kid",
		ForgeWrongIssuer: "wrong-issuer", ForgeWrongAudience: "wrong-audience",
		ForgeExpired: "expired", ForgeNotYetValid: "not-yet-valid", ForgeAlgNone: "alg-none",
		ForgeHS256: "hs256-with-public-key", ForgeWrongTenant: "wrong-tenant",
		ForgeDisallowedApp: "disallowed-app", ForgeTampered: "tampered-payload",
	}
	if n, ok := names[f]; ok {
		return n
	}
	return fmt.Sprintf("Forgery(%d)", int(f))
}

// Forge returns a token made from c and spoiled the way f says.
func (i *Issuer) Forge(f Forgery, c Claims) string {
	switch f {
	case ForgeOtherKey:
		return i.sign(i.forger, i.claimSet(c))
	case ForgeUnknownKid:
		return i.sign(&signingKey{priv: i.forger.priv, kid: UnknownKeyID}, i.claimSet(c))
	case ForgeAlgNone:
		return unsigned(i.current().kid, i.claimSet(c))
	case ForgeHS256:
		return i.hmacWithPublicKey(i.claimSet(c))
	case ForgeTampered:
		return i.tampered(c)
	}
	return i.Issue(spoil(f, c, i.now()))
}

// spoil changes the claims for the forgeries that keep a good signature.
func spoil(f Forgery, c Claims, now time.Time) Claims {
	switch f {
	case ForgeWrongIssuer:
		c.Issuer = "https://issuer.example.invalid/"
	case ForgeWrongAudience:
		c.Audience = ForeignAudience
	case ForgeExpired:
		c.IssuedAt, c.Expiry = now.Add(-2*time.Hour), now.Add(-time.Hour)
	case ForgeNotYetValid:
		c.IssuedAt, c.NotBefore, c.Expiry = now, now.Add(time.Hour), now.Add(2*time.Hour)
	case ForgeWrongTenant:
		c.TenantID, c.Issuer = OtherTenantID, ""
	case ForgeDisallowedApp:
		c.AppID = DisallowedAppID
	default:
		panic(fmt.Sprintf("oidc double: unknown forgery %v", f))
	}
	return c
}

// unsigned builds an "alg":"none" JWT by hand: no library will sign one.
func unsigned(kid string, claims map[string]any) string {
	header := map[string]string{"alg": "none", "typ": "JWT", "kid": kid}
	return segment(header) + "." + segment(claims) + "."
}

func (i *Issuer) hmacWithPublicKey(claims map[string]any) string {
	key := i.current()
	secret, err := x509.MarshalPKIXPublicKey(&key.priv.PublicKey)
	if err != nil {
		panic(fmt.Sprintf("oidc double: marshalling public key: %v", err))
	}
	signer, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.HS256,
		Key:       jose.JSONWebKey{Key: secret, KeyID: key.kid},
	}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		panic(fmt.Sprintf("oidc double: creating HMAC signer: %v", err))
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		panic(fmt.Sprintf("oidc double: HMAC signing: %v", err))
	}
	return tok
}

// tampered signs c, then swaps in a payload granting an extra role.
func (i *Issuer) tampered(c Claims) string {
	claims := i.claimSet(c)
	good := i.sign(i.current(), claims)
	parts := strings.Split(good, ".")
	claims["roles"] = append(append([]string(nil), c.Roles...), "Tampered.Admin")
	parts[1] = segment(claims)
	return strings.Join(parts, ".")
}

func segment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("oidc double: encoding token segment: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
