package softkey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
)

// Attestation is the attestation statement a key produces.
type Attestation int

// Attestation kinds.
const (
	// Packed signs with the attestation key and sends its certificate (x5c).
	Packed Attestation = iota
	// SelfAttested is packed without x5c, signed by the credential key.
	SelfAttested
	// NoAttestation is fmt "none" with an empty statement.
	NoAttestation
)

// Options describe a key.
type Options struct {
	// AAGUID defaults to DefaultAAGUID.
	AAGUID [16]byte
	// Attestation defaults to Packed.
	Attestation Attestation
	// CredentialIDLength is the length of new credential ids (default 32;
	// hardware uses 16 to 128 and more).
	CredentialIDLength int
	// NoHMACSecret and NoCredProtect model a key without those extensions.
	NoHMACSecret, NoCredProtect bool
}

// DefaultAAGUID is the AAGUID of a key made without one.
var DefaultAAGUID = [16]byte{0x50, 0x6b, 0x46, 0x74, 0x65, 0x73, 0x74, 0x4b, 0x65, 0x79, 0x41, 0x41, 0x47, 0x55, 0x49, 0x44}

// Errors a registration fails with, as a CTAP2 key reports them.
var (
	ErrCredentialExcluded   = errors.New("softkey: CTAP2_ERR_CREDENTIAL_EXCLUDED (0x19): the key holds an excluded credential")
	ErrUnsupportedAlgorithm = errors.New("softkey: CTAP2_ERR_UNSUPPORTED_ALGORITHM (0x26): ES256 not offered")
	ErrUnsupportedOption    = errors.New("softkey: CTAP2_ERR_UNSUPPORTED_OPTION (0x2B): enforced credProtect the key lacks")
)

// Key is a software authenticator. It keeps the credentials it made, as a
// security key keeps resident credentials. Safe for concurrent use.
type Key struct {
	opts Options
	att  attestationKey

	mu    sync.Mutex
	creds []*credential
}

type credential struct {
	id         []byte
	rpID       string
	userHandle []byte
	key        *ecdsa.PrivateKey
}

// New makes a key with a fresh attestation key and certificate.
func New(opts Options) (*Key, error) {
	if opts.AAGUID == ([16]byte{}) {
		opts.AAGUID = DefaultAAGUID
	}
	if opts.CredentialIDLength <= 0 {
		opts.CredentialIDLength = 32
	}
	if opts.CredentialIDLength > 1023 {
		return nil, fmt.Errorf("softkey: credential ids are at most 1023 bytes")
	}
	att, err := newAttestationKey(opts.AAGUID)
	if err != nil {
		return nil, err
	}
	return &Key{opts: opts, att: att}, nil
}

// AttestationCertificate is the DER certificate sent in x5c.
func (k *Key) AttestationCertificate() []byte { return slices.Clone(k.att.certDER) }

// CredentialIDs lists the ids of the credentials the key holds.
func (k *Key) CredentialIDs() [][]byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out [][]byte
	for _, c := range k.creds {
		out = append(out, slices.Clone(c.id))
	}
	return out
}

// Register makes a credential from Graph's creation options (JSON) and
// returns what the registration POST carries. Faults make it wrong on
// purpose.
func (k *Key) Register(creationOptions []byte, faults ...Fault) (Credential, error) {
	o, err := parseOptions(creationOptions)
	if err != nil {
		return Credential{}, err
	}
	f := faultSet(faults)
	if err := k.check(o, f); err != nil {
		return Credential{}, err
	}
	cred, err := k.credentialFor(o, f)
	if err != nil {
		return Credential{}, err
	}
	return k.attest(o, cred, f)
}

// check refuses what a CTAP2 key would refuse before making anything.
func (k *Key) check(o options, f faultSet) error {
	if len(o.Algs) > 0 && !slices.Contains(o.Algs, -7) {
		return ErrUnsupportedAlgorithm
	}
	if o.EnforceCredProtect && o.CredProtect > 1 && k.opts.NoCredProtect {
		return ErrUnsupportedOption
	}
	if f.has(Reuse) {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, ex := range o.ExcludeIDs {
		for _, c := range k.creds {
			if c.rpID == o.RPID && credid.Matches(ex, c.id) {
				return ErrCredentialExcluded
			}
		}
	}
	return nil
}

// credentialFor makes a new credential, replacing a resident one for the
// same relying party and user (CTAP2 §6.1.2 step 17), or with Reuse
// returns the one the key already holds.
func (k *Key) credentialFor(o options, f faultSet) (*credential, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	i := slices.IndexFunc(k.creds, func(c *credential) bool {
		return c.rpID == o.RPID && string(c.userHandle) == string(o.UserID)
	})
	if f.has(Reuse) {
		if i < 0 {
			return nil, errors.New("softkey: Reuse: no credential for this user yet")
		}
		return k.creds[i], nil
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	c := &credential{id: make([]byte, k.opts.CredentialIDLength), rpID: o.RPID, userHandle: slices.Clone(o.UserID), key: priv}
	if _, err := rand.Read(c.id); err != nil {
		return nil, err
	}
	if i >= 0 {
		k.creds[i] = c
	} else {
		k.creds = append(k.creds, c)
	}
	return c, nil
}
