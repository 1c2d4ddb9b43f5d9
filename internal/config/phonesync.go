package config

import (
	"net/http"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// PhoneSync configures the PhoneSync webhook. It is off until a caller can
// authenticate: PHONE_SYNC_CALLER_APP_IDS (Entra tokens) and/or
// PHONE_SYNC_HANDSHAKE_SECRET (the legacy header) is set.
type PhoneSync struct {
	// CallerAppIDs may call with an Entra access token.
	CallerAppIDs []string
	// HandshakeHeader carries the legacy shared secret ("message", as the
	// phoneAuthMFA runbook's callers send it).
	HandshakeHeader string
	// HandshakeSecret is the Key Vault secret name holding the handshake
	// value; "" refuses the handshake.
	HandshakeSecret string
	// Source is the attribute the mobile number is read from, in
	// directory.PhoneSourceAttributes spelling.
	Source string
	// DefaultRegion (ISO 3166 alpha-2) reads numbers written without a
	// country code; "" refuses them.
	DefaultRegion string
	// BatchLimit is the most users one call may name (more: 413).
	BatchLimit int
	// Concurrency is how many users are worked on at once, each with at
	// most two Graph requests in flight. Users waiting out a Retry-After
	// hold their place, so under throttling more places keep the batch
	// moving; Graph's own limits are enforced by its 429s, which we honour.
	Concurrency int
	// DeleteAlternateMobile lets the sync delete a user's alternate mobile
	// phone, and only when OverwriteNull removes the mobile: Graph refuses
	// to delete a mobile while an alternate exists. Off, alternate mobiles
	// are never touched; office phones are never touched at all.
	DeleteAlternateMobile bool
	// ScopeGroupID, if set, limits writes to (nested) members of a group
	// (the handler passes it to guard.Guard).
	ScopeGroupID string
	// TimeBudget bounds one call; users not finished by then are reported
	// as errors to retry, so the answer beats the host's 230 s HTTP limit.
	TimeBudget time.Duration
}

// Enabled reports whether any caller could authenticate.
func (p PhoneSync) Enabled() bool {
	return len(p.CallerAppIDs) > 0 || p.HandshakeSecret != ""
}

func readPhoneSync(r *reader) PhoneSync {
	p := PhoneSync{
		CallerAppIDs:          r.guids("PHONE_SYNC_CALLER_APP_IDS", false),
		HandshakeHeader:       r.optional("PHONE_SYNC_HANDSHAKE_HEADER", "message"),
		HandshakeSecret:       r.optional("PHONE_SYNC_HANDSHAKE_SECRET", ""),
		DefaultRegion:         strings.ToUpper(r.optional("PHONE_SYNC_DEFAULT_REGION", "")),
		BatchLimit:            r.intIn("PHONE_SYNC_BATCH_LIMIT", 1000, 1, 5000),
		Concurrency:           r.intIn("PHONE_SYNC_CONCURRENCY", 100, 1, 200),
		DeleteAlternateMobile: r.boolean("PHONE_SYNC_DELETE_ALTERNATE_MOBILE", false),
		ScopeGroupID:          r.guid("PHONE_SYNC_SCOPE_GROUP_ID", false),
		TimeBudget:            r.seconds("PHONE_SYNC_TIME_BUDGET_SECONDS", 200*time.Second, 10, 220),
	}
	source, err := directory.CanonicalPhoneSource(r.optional("PHONE_SYNC_SOURCE", directory.DefaultPhoneSource))
	if err != nil {
		r.fail("PHONE_SYNC_SOURCE", "%v", err)
	}
	p.Source = source
	checkHandshakeHeader(r, p.HandshakeHeader)
	if p.DefaultRegion != "" && !phonenumbers.GetSupportedRegions()[p.DefaultRegion] {
		r.fail("PHONE_SYNC_DEFAULT_REGION", "must be a two-letter region code such as US or GB, got %q", p.DefaultRegion)
	}
	if p.HandshakeSecret != "" && !keyVaultSecretName(p.HandshakeSecret) {
		// Not echoed: a value that is no secret name may be the secret.
		r.fail("PHONE_SYNC_HANDSHAKE_SECRET", "must be the name of a Key Vault secret (1-127 letters, digits and -), not its value")
	}
	if p.HandshakeSecret != "" && r.optional("KEY_VAULT_URL", "") == "" {
		r.fail("KEY_VAULT_URL", "required when PHONE_SYNC_HANDSHAKE_SECRET is set")
	}
	return p
}

// checkHandshakeHeader refuses names that are not HTTP tokens, and the
// headers the platform or token authentication already own.
func checkHandshakeHeader(r *reader, name string) {
	valid := name != ""
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			valid = false
		}
	}
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "X-Functions-Key", "Content-Type", "Host", "Cookie":
		valid = false
	}
	if !valid {
		r.fail("PHONE_SYNC_HANDSHAKE_HEADER", "must be a plain header name (letters, digits, -) other than Authorization or x-functions-key, got %q", name)
	}
}

// keyVaultSecretName reports whether s can name a Key Vault secret.
func keyVaultSecretName(s string) bool {
	if len(s) > 127 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return s != ""
}
