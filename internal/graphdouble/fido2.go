package graphdouble

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
)

// Passkey provisioning on behalf of users: creationOptions, then POST
// fido2Methods (fido2_register.go). Sources: api-reference/{v1.0,beta}/api/
// fido2authenticationmethod-creationoptions.md and
// authentication-post-fido2methods.md (microsoftgraph/microsoft-graph-docs-contrib),
// the 2024 beta capture in MichaelGrafnetter/webauthn-interop
// (shared/reference/graph-api.md §5).

// FIDO2Options tune what the double's Entra answers in passkey
// provisioning beyond the FIDO2 method policy (Tenant.Setup.Fido2). The
// zero value is what Entra answers by default.
type FIDO2Options struct {
	// RPID is rp.id in creationOptions (default "login.microsoft.com", the
	// 2024 capture; the 2026 v1.0 example shows login.microsoftonline.com).
	// Registrations must use origin https://<RPID>.
	RPID string
	// CredentialProtection is extensions.credentialProtectionPolicy
	// (default "userVerificationOptional", enforced, as Entra asks).
	CredentialProtection string
	// Models names keys by AAGUID, as Entra fills model from the FIDO MDS.
	Models map[string]string
}

func (p FIDO2Options) rpID() string {
	if p.RPID == "" {
		return "login.microsoft.com"
	}
	return p.RPID
}

func (p FIDO2Options) credProtect() string {
	if p.CredentialProtection == "" {
		return "userVerificationOptional"
	}
	return p.CredentialProtection
}

// The v1.0 challenge is fixed at 5 minutes; beta takes 5..43200.
const (
	v1ChallengeMinutes  = 5
	minChallengeMinutes = 5
	maxChallengeMinutes = 43200
)

// fido2Routes come before the generic method routes so the literal
// creationOptions segment wins over fido2Methods/{id}.
func fido2Routes() []*route {
	get, post := http.MethodGet, http.MethodPost
	opts := g + "webauthnCredentialCreationOptions"
	method := g + "fido2AuthenticationMethod"
	rs := []*route{
		newRoute(get, auth+"/fido2Methods/creationOptions", creationOptionsV1, opts, ""),
		newRoute(post, auth+"/fido2Methods", postFido2, method, method),
		newRoute(get, beta+"/users/{user}/authentication/fido2Methods/{fn}", creationOptionsBeta, opts, ""),
		newRoute(post, beta+"/users/{user}/authentication/fido2Methods", postFido2, method, method),
	}
	return append(rs, transitiveMemberRoutes()...)
}

// provisioningAllowed answers 400 unless the FIDO2 method policy is on
// with "Allow self-service setup": "To use the FIDO2 provisioning API ...
// administrators must enable Allow self-service setup in the FIDO2
// authentication method policy" (learn.microsoft.com/graph/known-issues,
// "FIDO2 provisioning API requires self-service setup to be enabled"; both
// API pages link it). The error Graph sends is not documented.
func (c *call) provisioningAllowed() bool {
	if p := c.t.Setup.Fido2; !p.Enabled || !p.SelfServiceRegistration {
		c.fail(http.StatusBadRequest, "badRequest",
			"FIDO2 provisioning needs the FIDO2 authentication method policy enabled with self-service setup allowed (isSelfServiceRegistrationAllowed).")
		return false
	}
	return true
}

// creationOptionsRE is the beta function segment: bare, with empty
// parentheses, or with challengeTimeoutInMinutes as a literal or @alias.
var creationOptionsRE = regexp.MustCompile(`(?i)^creationOptions(?:\(\s*(?:challengeTimeoutInMinutes\s*=\s*([^)]*?)\s*)?\))?$`)

// creationOptionsV1 takes no parameters; a challengeTimeoutInMinutes query
// option is not a parameter of the v1.0 function and changes nothing.
func creationOptionsV1(c *call) {
	if u := c.user(); u != nil {
		c.creationOptions(u, v1ChallengeMinutes)
	}
}

// creationOptionsBeta serves beta .../fido2Methods/{fn} for fn =
// creationOptions, with challengeTimeoutInMinutes in the call, as an
// @alias, or as a plain query option (Yubico's provisioning script).
func creationOptionsBeta(c *call) {
	m := creationOptionsRE.FindStringSubmatch(c.p["fn"])
	if m == nil {
		c.badRequest("Resource not found for the segment '" + c.p["fn"] + "'. (graphdouble serves only creationOptions here.)")
		return
	}
	minutes, ok := c.challengeMinutes(m[1])
	if !ok {
		return
	}
	if u := c.user(); u != nil {
		c.creationOptions(u, minutes)
	}
}

func (c *call) challengeMinutes(arg string) (int, bool) {
	q := c.r.URL.Query()
	raw := arg
	if alias, ok := strings.CutPrefix(raw, "@"); ok {
		raw = q.Get("@" + alias)
		if raw == "" {
			raw = q.Get(alias) // Kiota's {?challengeTimeoutInMinutes*} expansion
		}
	} else if raw == "" {
		raw = q.Get("challengeTimeoutInMinutes")
	}
	if raw == "" {
		return minChallengeMinutes, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < minChallengeMinutes || n > maxChallengeMinutes {
		c.badRequest("challengeTimeoutInMinutes must be an integer between 5 and 43200.")
		return 0, false
	}
	return n, true
}

// creationOptions answers webauthnCredentialCreationOptions unwrapped, as
// real answers are (the beta page's example wraps it in "value"; Yubico's
// and DSInternals' clients read top-level publicKey).
func (c *call) creationOptions(u *User, minutes int) {
	if !c.provisioningAllowed() {
		return
	}
	pol := c.d.opts.FIDO2
	expires := c.d.now().Add(time.Duration(minutes) * time.Minute)
	challenge := newChallenge()
	c.d.fido2.issue(challenge, issued{userID: u.ID, expires: expires, credProtect: pol.credProtect()})
	c.entity(http.StatusOK, g+"webauthnCredentialCreationOptions", map[string]any{
		"challengeTimeoutDateTime": expires.UTC().Format(time.RFC3339),
		"publicKey": map[string]any{
			"rp":        map[string]any{"id": pol.rpID(), "name": "Microsoft"},
			"user":      map[string]any{"id": userHandle(c.t.TenantID, u.ID), "name": u.UserPrincipalName, "displayName": u.DisplayName},
			"challenge": challenge,
			"pubKeyCredParams": []map[string]any{
				{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257},
			},
			"timeout":            60000,
			"excludeCredentials": excludeList(u),
			"authenticatorSelection": map[string]any{
				"authenticatorAttachment": "cross-platform", "requireResidentKey": true, "userVerification": "required",
			},
			"attestation": "direct",
			"extensions": map[string]any{
				"hmacCreateSecret": true, "enforceCredentialProtectionPolicy": true,
				"credentialProtectionPolicy": pol.credProtect(),
			},
		},
	})
}

// excludeList names the user's passkeys. Entra has sent these ids as
// standard base64 with padding (2024 capture) and as UrlTokenEncode
// (webauthn-interop issue #21) despite documenting base64url: the double
// alternates the two so every client meets both.
func excludeList(u *User) []map[string]any {
	out := []map[string]any{}
	for _, m := range u.AuthenticationMethods {
		id := credentialOf(m)
		if id == nil {
			continue
		}
		enc := base64.StdEncoding.EncodeToString(id)
		if len(out)%2 == 1 {
			enc = credid.MethodID(id)
		}
		out = append(out, map[string]any{"type": "public-key", "id": enc, "transports": []string{"usb", "nfc"}})
	}
	return out
}

// credentialOf recovers the credential id of a passkey from its method
// id, which Graph derives from it (credid.MethodID). Seeded methods with
// other ids have none and are not excluded.
func credentialOf(m *AuthMethod) []byte {
	if m.Type != MethodFido2 {
		return nil
	}
	for _, c := range credid.Candidates(m.ID) {
		if credid.MethodID(c) == m.ID {
			return c
		}
	}
	return nil
}

// userHandle is a stable per-user WebAuthn user id, base64url. Entra's is
// 51 bytes of ASCII beginning "OF:" (webauthn-interop capture).
func userHandle(tenantID, userID string) string {
	h := sha256.Sum256([]byte(tenantID + "/" + strings.ToLower(userID)))
	return base64.RawURLEncoding.EncodeToString([]byte("OF:" + hex.EncodeToString(h[:])[:48]))
}

// newChallenge is opaque to clients, like Entra's: base64url of the ASCII
// of a JWE-shaped token of realistic size (about 6,900 characters), so
// callers meet real message sizes. Only the double's state gives it
// meaning.
func newChallenge() string {
	part := func(n int) string {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"graphdouble"}`))
	jwe := strings.Join([]string{header, part(256), part(12), part(3500), part(16)}, ".")
	return base64.RawURLEncoding.EncodeToString([]byte(jwe))
}
