package callerauth

import (
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4/jwt"
)

// entraClaims are the claims of an Entra access token we look at.
type entraClaims struct {
	jwt.Claims
	Version  string   `json:"ver"`
	TenantID string   `json:"tid"`
	ObjectID string   `json:"oid"`
	AppID    string   `json:"appid"` // v1 tokens
	AZP      string   `json:"azp"`   // v2 tokens
	Roles    []string `json:"roles"`
	Scope    string   `json:"scp"`   // only in delegated (user) tokens
	IDType   string   `json:"idtyp"` // "app" or "user" when the optional claim is on
}

// delegated reports whether the token was issued to an application acting
// for a signed-in user rather than to the application itself.
func (c *entraClaims) delegated() bool {
	return c.Scope != "" || strings.EqualFold(c.IDType, "user")
}

// callerAppID returns the calling application's client id: "appid" in v1
// tokens and "azp" in v2 tokens. An unknown version yields "" so the token
// is refused rather than guessed at.
func (c *entraClaims) callerAppID() string {
	switch c.Version {
	case "1.0":
		return c.AppID
	case "2.0":
		return c.AZP
	}
	return ""
}

// containsFold reports whether list holds s, ignoring case: the values we
// compare (GUIDs, app id URIs) are case-insensitive in Entra.
func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(v, s) })
}

// hasAll reports whether have contains every entry of want. Role values
// are case-sensitive in Entra, so compare exactly.
func hasAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
