package softkey

import "slices"

// Fault makes a registration wrong in one way a verifier must catch.
type Fault int

// Faults.
const (
	// WrongChallenge signs a clientDataJSON whose challenge is not the one
	// in the options.
	WrongChallenge Fault = iota + 1
	// WrongOrigin uses https://evil.example instead of https://<rp.id>.
	WrongOrigin
	// WrongRPIDHash puts SHA-256 of another relying party id in authData.
	WrongRPIDHash
	// NoUV clears the user-verified flag, as a key used without its PIN.
	NoUV
	// BadSignature signs other data than authData || clientDataHash.
	BadSignature
	// NoCredProtect leaves credProtect out of the extension outputs, as a
	// key that ignored the extension.
	NoCredProtect
	// WeakCredProtect writes credProtect 1 whatever level was asked for.
	WeakCredProtect
	// Reuse ignores excludeCredentials and attests the credential the key
	// already holds for this user again (a replayed key, not a new one).
	Reuse
)

// EvilOrigin and EvilRPID are what WrongOrigin and WrongRPIDHash use.
const (
	EvilOrigin = "https://evil.example"
	EvilRPID   = "evil.example"
)

type faultSet []Fault

func (f faultSet) has(x Fault) bool { return slices.Contains(f, x) }
