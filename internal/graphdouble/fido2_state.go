package graphdouble

import (
	"slices"
	"time"
)

// fido2State is the server side of creationOptions: each challenge is
// bound to the user it was issued for and to its expiry. Entra's challenge
// is a self-contained encrypted token; whether it is single-use is not
// documented, so the double is strict: a challenge registers one key.
// It lives under Double.mu, like the tenant.
type fido2State struct {
	challenges    map[string]*issued
	registrations []FIDO2Registration
}

// issued is one challenge and what its options asked for.
type issued struct {
	userID      string
	expires     time.Time
	credProtect string
	used        bool
}

func (s *fido2State) issue(challenge string, i issued) {
	if s.challenges == nil {
		s.challenges = map[string]*issued{}
	}
	s.challenges[challenge] = &i
}

func (s *fido2State) lookup(challenge string) *issued {
	return s.challenges[challenge]
}

// FIDO2Registration is one accepted passkey registration, with the raw
// WebAuthn values for tests that verify them independently.
type FIDO2Registration struct {
	Time                   time.Time
	UserID                 string
	MethodID               string
	DisplayName            string
	Beta                   bool
	CredentialID           []byte
	ClientDataJSON         []byte
	AttestationObject      []byte
	ClientExtensionResults map[string]any
}

// FIDO2Registrations returns the accepted registrations, oldest first.
func (d *Double) FIDO2Registrations() []FIDO2Registration {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := slices.Clone(d.fido2.registrations)
	for i := range out {
		out[i].ClientExtensionResults = deepCopyJSON(out[i].ClientExtensionResults)
	}
	return out
}
