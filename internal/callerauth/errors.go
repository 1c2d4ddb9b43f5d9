package callerauth

import (
	"errors"
	"net/http"
)

// Error kinds. Test with errors.Is; the error text adds a short reason
// ("invalid token: token expired") that may be returned to the caller.
var (
	// ErrMissing: no bearer token in the Authorization header.
	ErrMissing = errors.New("missing bearer token")
	// ErrInvalid: the token is malformed, badly signed, expired, or not
	// meant for us (issuer, audience, tenant).
	ErrInvalid = errors.New("invalid token")
	// ErrForbidden: the token is valid but the calling application is not
	// allowed, or lacks a required app role.
	ErrForbidden = errors.New("caller not allowed")
	// ErrUnavailable: the signing keys could not be fetched, so the token
	// could not be checked. Not the caller's fault: answer 503, not 401.
	ErrUnavailable = errors.New("token verification unavailable")
)

// rejection is an error kind plus a fixed reason. Reasons are constants
// chosen here, never text from the token or from a library error, which is
// how we keep token material out of error strings.
type rejection struct {
	kind   error
	reason string
}

func (r *rejection) Error() string { return r.kind.Error() + ": " + r.reason }
func (r *rejection) Unwrap() error { return r.kind }

func reject(kind error, reason string) error { return &rejection{kind: kind, reason: reason} }

// Answer maps a Verify error onto what the caller is told: 401 for a
// missing or bad token, 403 for a valid token of an application that is not
// allowed, 503 when the keys could not be fetched (not the caller's fault).
// code is the machine-readable error code of the JSON answer.
func Answer(err error) (status int, code string) {
	switch {
	case errors.Is(err, ErrMissing):
		return http.StatusUnauthorized, "missing_token"
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, "caller_not_allowed"
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable, "verification_unavailable"
	}
	return http.StatusUnauthorized, "invalid_token"
}
