package desk

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/pin"
)

// PIN delivery and policy choices.
const (
	// DeliverVault stores a PIN the desk sets as a Key Vault secret.
	DeliverVault = "vault"
	// DeliverScreen shows it once on screen instead.
	DeliverScreen = "screen"
	// OnPINAsk has the operator type the PIN of a key that has one.
	OnPINAsk = "ask"
	// OnPINSkip refuses keys that already have a PIN.
	OnPINSkip = "skip"
)

// Settings are the desk's choices; Defaults gives sensible ones.
type Settings struct {
	// PINLength is the length of PINs the desk sets (at least 6; more if
	// the key's minimum is higher).
	PINLength int
	// MinPINLength is set on CTAP 2.1 keys at the end (0: leave it).
	MinPINLength int
	// ForcePINChange makes the user choose their own PIN at first use.
	ForcePINChange bool
	// Delivery is DeliverVault or DeliverScreen.
	Delivery string
	// OnPINSet is OnPINAsk or OnPINSkip.
	OnPINSet string
	// AllowedAAGUIDs, when not empty, are the only key models accepted.
	AllowedAAGUIDs []string
	// Visibility is how long a leased message stays invisible; the lease
	// is renewed every third of it while the operator works.
	Visibility time.Duration
	// ExpiryMargin is how long before the challenge expires an item is
	// given up: a key written later would reach Entra too late.
	ExpiryMargin time.Duration
	// TouchTimeout bounds the wait for a touch; TouchAttempts is how
	// often the operator is asked again.
	TouchTimeout  time.Duration
	TouchAttempts int
	// RetryLater is how long a failed item stays invisible before it is
	// offered again (to this or another desk).
	RetryLater time.Duration
	// Poll is how often the USB bus is looked at while waiting for a key.
	Poll time.Duration
	// Workstation names this desk in results, secrets and the journal.
	Workstation string
	// Once stops after one message.
	Once bool
}

// Defaults are the settings a run starts from.
func Defaults() Settings {
	return Settings{
		PINLength: 8, MinPINLength: 6, ForcePINChange: true,
		Delivery: DeliverVault, OnPINSet: OnPINAsk,
		Visibility: 10 * time.Minute, ExpiryMargin: 2 * time.Minute,
		TouchTimeout: 30 * time.Second, TouchAttempts: 3,
		RetryLater: 15 * time.Minute, Poll: 250 * time.Millisecond,
	}
}

// Validate reports every unusable setting.
func (s Settings) Validate() error {
	var errs []error
	if s.PINLength < pin.MinLength || s.PINLength > pin.MaxLength {
		errs = append(errs, fmt.Errorf("PIN length must be %d..%d", pin.MinLength, pin.MaxLength))
	}
	if s.MinPINLength != 0 && (s.MinPINLength < 4 || s.MinPINLength > s.PINLength) {
		errs = append(errs, errors.New("minimum PIN length must be 4..PIN length (or 0 to leave the key's)"))
	}
	if s.Delivery != DeliverVault && s.Delivery != DeliverScreen {
		errs = append(errs, fmt.Errorf("PIN delivery must be %q or %q", DeliverVault, DeliverScreen))
	}
	if s.OnPINSet != OnPINAsk && s.OnPINSet != OnPINSkip {
		errs = append(errs, fmt.Errorf("policy for keys with a PIN must be %q or %q", OnPINAsk, OnPINSkip))
	}
	for _, a := range s.AllowedAAGUIDs {
		if len(strings.ReplaceAll(a, "-", "")) != 32 {
			errs = append(errs, fmt.Errorf("AAGUID %q is not 32 hex digits", a))
		}
	}
	if s.Visibility < 30*time.Second || s.Visibility > 7*24*time.Hour {
		errs = append(errs, errors.New("visibility must be 30s..7 days"))
	}
	if s.ExpiryMargin < 0 || s.TouchTimeout <= 0 || s.TouchAttempts < 1 || s.RetryLater < 0 || s.Poll <= 0 {
		errs = append(errs, errors.New("margins, timeouts, attempts and poll interval must be positive"))
	}
	return errors.Join(errs...)
}

// aaguidAllowed compares ignoring case and dashes.
func (s Settings) aaguidAllowed(aaguid string) bool {
	if len(s.AllowedAAGUIDs) == 0 {
		return true
	}
	norm := func(x string) string { return strings.ToLower(strings.ReplaceAll(x, "-", "")) }
	for _, a := range s.AllowedAAGUIDs {
		if norm(a) == norm(aaguid) {
			return true
		}
	}
	return false
}
