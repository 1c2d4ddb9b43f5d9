package config

// Fido2 configures bulk FIDO2 enrollment (Fido2Jobs, Fido2Job,
// Fido2Register). It is off unless FIDO2_ENABLED: the beta creationOptions
// call needs UserAuthenticationMethod.ReadWrite.All, so setup asks for it
// for this feature only when the feature is on.
// FIDO2_CALLER_APP_IDS names who may submit jobs over HTTP; jobs put on
// the fido2-jobs queue directly (by someone with queue access) run too.
type Fido2 struct {
	Enabled bool
	// CallerAppIDs may POST and GET /api/fido2/jobs (token-verified).
	CallerAppIDs []string
	// Concurrency is how many users of a page are worked at once.
	Concurrency int
	// RefreshExpired sends fresh creation options to a user whose key
	// arrived after the challenge expired.
	RefreshExpired bool
}

func readFido2(r *reader) Fido2 {
	return Fido2{
		Enabled:        r.boolean("FIDO2_ENABLED", false),
		CallerAppIDs:   r.guids("FIDO2_CALLER_APP_IDS", false),
		Concurrency:    r.intIn("FIDO2_CONCURRENCY", 64, 1, 128),
		RefreshExpired: r.boolean("FIDO2_REFRESH_EXPIRED", false),
	}
}
