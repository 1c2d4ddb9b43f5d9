package callerauth

import "errors"

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
