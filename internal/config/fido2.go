package config

// Fido2 configures bulk FIDO2 enrollment (Fido2Jobs, Fido2Job,
// Fido2Register). The feature is off until FIDO2_CALLER_APP_IDS names who
// may submit jobs over HTTP; jobs put on the fido2-jobs queue directly
// (by someone with queue access) run either way.
type Fido2 struct {
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
		CallerAppIDs:   r.guids("FIDO2_CALLER_APP_IDS", false),
		Concurrency:    r.intIn("FIDO2_CONCURRENCY", 32, 1, 128),
		RefreshExpired: r.boolean("FIDO2_REFRESH_EXPIRED", false),
	}
}
