package softctap

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/fido"
)

// Attestation kinds a key produces.
type Attestation int

const (
	// Packed signs with the attestation leaf and sends x5c [leaf, intermediate].
	Packed Attestation = iota
	// Self is packed without x5c, signed by the credential key.
	Self
	// None is fmt "none".
	None
)

// Options describe a key. Zero values give a fresh CTAP 2.1 key without a
// PIN that takes setMinPINLength, credProtect and hmac-secret.
type Options struct {
	AAGUID  [16]byte
	Product string // default "Softctap FIDO2"
	// Serial is what the bus reports as the USB serial string ("": none).
	Serial      string
	Firmware    uint64
	Attestation Attestation
	// PIN, when set, is the key's PIN from the start.
	PIN string
	// MinPINLength is the key's minimum (default 4, CTAP's).
	MinPINLength int
	// CTAP20 makes a CTAP 2.0 key: no authenticatorConfig, no tokens with
	// permissions, no minPINLength in getInfo.
	CTAP20                      bool
	NoCredProtect, NoHMACSecret bool
	MaxCredCountInList          int // default 8
	MaxCredIDLength             int // default 128
	// Capacity is the number of resident credentials that fit (default 25).
	Capacity int
	// ManualTouch makes the key wait for Touch, a cancel or the timeout
	// wherever a real key waits for a finger; otherwise it is touched at
	// once.
	ManualTouch bool
	// ResetNeedsReplug refuses reset (CTAP2_ERR_NOT_ALLOWED) unless the
	// key was plugged in since its last PIN, credential or config
	// command, as YubiKeys allow reset only just after power-up.
	ResetNeedsReplug bool
}

// DefaultAAGUID is the AAGUID of a key made without one.
var DefaultAAGUID = [16]byte{0x73, 0x6f, 0x66, 0x74, 0x63, 0x74, 0x61, 0x70, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x30, 0x30, 0x31}

// Key is a software security key. Safe for concurrent use.
type Key struct {
	opts  Options
	chain chain

	present atomic.Bool
	busy    atomic.Int64 // nanoseconds spent answering commands
	cancel  chan struct{}
	touch   chan struct{}
	waiting chan struct{}

	mu          sync.Mutex
	calls       []string
	pinHash     []byte // SHA-256(PIN)[:16]; nil: no PIN
	pinLen      int
	retries     int
	minPIN      int
	forceChange bool
	agreement   *ecdh.PrivateKey
	token       []byte
	tokenPerms  byte
	tokenRP     string
	creds       []*credential
	signCount   uint32
	resetWindow bool
}

type credential struct {
	id         []byte
	rpID       string
	userID     []byte
	userName   string
	resident   bool
	protect    int    // credProtect level applied (0: none)
	privateKey []byte // PKCS#8
}

// New makes a key.
func New(opts Options) (*Key, error) {
	if opts.AAGUID == ([16]byte{}) {
		opts.AAGUID = DefaultAAGUID
	}
	if opts.Product == "" {
		opts.Product = "Softctap FIDO2"
	}
	opts.MinPINLength = cmpOr(opts.MinPINLength, 4)
	opts.MaxCredCountInList = cmpOr(opts.MaxCredCountInList, 8)
	opts.MaxCredIDLength = cmpOr(opts.MaxCredIDLength, 128)
	opts.Capacity = cmpOr(opts.Capacity, 25)
	ch, err := newChain(opts.AAGUID)
	if err != nil {
		return nil, err
	}
	k := &Key{opts: opts, chain: ch, cancel: make(chan struct{}, 1), touch: make(chan struct{}, 1),
		waiting: make(chan struct{}, 1), retries: 8, minPIN: opts.MinPINLength}
	if opts.PIN != "" {
		k.setPIN([]byte(opts.PIN))
	}
	if err := k.newAgreementKey(); err != nil {
		return nil, err
	}
	k.present.Store(true)
	return k, nil
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// ErrRemoved is what a key unplugged from its Bus answers.
var ErrRemoved = errors.New("softctap: key removed")

// Transact implements fido.Transport.
func (k *Key) Transact(cmd byte, payload []byte, timeout time.Duration) ([]byte, error) {
	if !k.present.Load() {
		return nil, ErrRemoved
	}
	defer k.spent(time.Now())
	switch cmd {
	case fido.CmdInit:
		if len(payload) != 8 {
			return nil, fmt.Errorf("softctap: INIT with a %d-byte nonce", len(payload))
		}
		// nonce | channel id | CTAPHID version 2 | device version | capabilities
		return append(slices.Clone(payload), 0, 0, 0, 1, 2, 5, 7, 1, 0x04|0x01|0x08), nil
	case fido.CmdPing:
		return slices.Clone(payload), nil
	case fido.CmdWink:
		return nil, nil
	case fido.CmdCBOR:
		if len(payload) == 0 {
			return []byte{statusInvalidLength}, nil
		}
		k.drainCancel()
		k.mu.Lock()
		defer k.mu.Unlock()
		status, body := k.dispatch(payload[0], payload[1:], timeout)
		return append([]byte{status}, body...), nil
	}
	return nil, fmt.Errorf("softctap: CTAPHID command 0x%02x not supported", cmd)
}

func (k *Key) spent(since time.Time) { k.busy.Add(int64(time.Since(since))) }

// Busy is the time the key has spent answering commands (its crypto and
// bookkeeping, and any wait for a touch): a real key's own time, which
// measurements of the desk's overhead leave out.
func (k *Key) Busy() time.Duration { return time.Duration(k.busy.Load()) }

// Cancel implements fido.Transport.
func (k *Key) Cancel() {
	select {
	case k.cancel <- struct{}{}:
	default:
	}
}

// A cancel that arrives after its command finished must not end the next.
func (k *Key) drainCancel() {
	select {
	case <-k.cancel:
	default:
	}
}

// Touch is the operator's finger on the key (ManualTouch keys).
func (k *Key) Touch() {
	select {
	case k.touch <- struct{}{}:
	default:
	}
}

// Waiting delivers when the key starts waiting for a touch.
func (k *Key) Waiting() <-chan struct{} { return k.waiting }

// userPresence waits for a touch as a key does: CTAP2_ERR_KEEPALIVE_CANCEL
// on cancel, CTAP2_ERR_USER_ACTION_TIMEOUT when the timeout runs out.
func (k *Key) userPresence(timeout time.Duration) byte {
	if !k.opts.ManualTouch {
		return statusOK
	}
	select {
	case k.waiting <- struct{}{}:
	default:
	}
	var expired <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-k.touch:
		return statusOK
	case <-k.cancel:
		return statusKeepaliveCancel
	case <-expired:
		return statusUserActionTimeout
	}
}

// CTAP2 status codes the key answers.
const (
	statusOK                 = 0x00
	statusInvalidCommand     = 0x01
	statusInvalidParameter   = 0x02
	statusInvalidLength      = 0x03
	statusInvalidCBOR        = 0x12
	statusMissingParameter   = 0x14
	statusLimitExceeded      = 0x15
	statusCredentialExcluded = 0x19
	statusNoCredentials      = 0x2e
	statusUnsupportedAlg     = 0x26
	statusKeyStoreFull       = 0x28
	statusUnsupportedOption  = 0x2b
	statusInvalidOption      = 0x2c
	statusKeepaliveCancel    = 0x2d
	statusUserActionTimeout  = 0x2f
	statusNotAllowed         = 0x30
	statusPINInvalid         = 0x31
	statusPINBlocked         = 0x32
	statusPINAuthInvalid     = 0x33
	statusPINNotSet          = 0x35
	statusPINRequired        = 0x36
	statusPINPolicyViolation = 0x37
	statusUnauthorizedPerm   = 0x40
)

// dispatch runs one CTAP2 command under k.mu.
func (k *Key) dispatch(cmd byte, params []byte, timeout time.Duration) (byte, []byte) {
	switch cmd {
	case 0x04:
		k.record("getInfo")
		return k.getInfo()
	case 0x06:
		k.resetWindow = false
		return k.clientPIN(params)
	case 0x01:
		k.resetWindow = false
		return k.makeCredential(params, timeout)
	case 0x0d:
		k.resetWindow = false
		if k.opts.CTAP20 {
			k.record("authenticatorConfig refused")
			return statusInvalidCommand, nil
		}
		return k.config(params)
	case 0x07:
		return k.reset(timeout)
	case 0x02:
		return k.getAssertion(params, timeout)
	}
	k.record(fmt.Sprintf("command 0x%02x refused", cmd))
	return statusInvalidCommand, nil
}

func (k *Key) record(s string) { k.calls = append(k.calls, s) }

var enc = func() cbor.EncMode {
	em, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

var dec = func() cbor.DecMode {
	dm, err := cbor.DecOptions{DupMapKey: cbor.DupMapKeyEnforcedAPF, IndefLength: cbor.IndefLengthForbidden}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

func reply(v any) (byte, []byte) {
	b, err := enc.Marshal(v)
	if err != nil {
		return statusInvalidCBOR, nil
	}
	return statusOK, b
}

func (k *Key) getInfo() (byte, []byte) {
	versions := []string{"FIDO_2_0", "FIDO_2_1"}
	opts := map[string]bool{"rk": true, "up": true, "plat": false, "clientPin": k.pinHash != nil}
	if k.opts.CTAP20 {
		versions = []string{"FIDO_2_0"}
	} else {
		opts["pinUvAuthToken"], opts["setMinPINLength"], opts["authnrCfg"], opts["makeCredUvNotRqd"] = true, true, true, false
	}
	var ext []string
	if !k.opts.NoCredProtect {
		ext = append(ext, "credProtect")
	}
	if !k.opts.NoHMACSecret {
		ext = append(ext, "hmac-secret")
	}
	info := map[int]any{
		1: versions, 3: k.opts.AAGUID[:], 4: opts, 5: 2048, 6: []int{1},
		7: k.opts.MaxCredCountInList, 8: k.opts.MaxCredIDLength, 9: []string{"usb"},
		10: []map[string]any{{"alg": -7, "type": "public-key"}},
		14: k.opts.Firmware, 20: k.opts.Capacity - k.residents(),
	}
	if len(ext) > 0 {
		info[2] = ext
	}
	if !k.opts.CTAP20 {
		info[12], info[13] = k.forceChange, k.minPIN
	}
	return reply(info)
}

func (k *Key) residents() int {
	n := 0
	for _, c := range k.creds {
		if c.resident {
			n++
		}
	}
	return n
}

// Calls lists the commands the key received, in order, in words
// ("getInfo", "clientPIN setPIN", "makeCredential rk excludeList=2 ...").
func (k *Key) Calls() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.calls)
}

// HasPIN, PINIs, MinPINLength and ForcePINChange show the key's PIN state.
func (k *Key) HasPIN() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.pinHash != nil
}

// PINIs reports whether p is the key's PIN.
func (k *Key) PINIs(p string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	h := sha256.Sum256([]byte(p))
	return k.pinHash != nil && string(h[:16]) == string(k.pinHash)
}

func (k *Key) MinPINLength() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.minPIN
}

func (k *Key) ForcePINChange() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.forceChange
}

// Credential is a credential the key holds.
type Credential struct {
	ID       []byte
	RPID     string
	UserID   []byte
	Resident bool
}

// Credentials lists what the key holds.
func (k *Key) Credentials() []Credential {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []Credential
	for _, c := range k.creds {
		out = append(out, Credential{ID: slices.Clone(c.id), RPID: c.rpID, UserID: slices.Clone(c.userID), Resident: c.resident})
	}
	return out
}

// AttestationRoot is the root the key's x5c chains to.
func (k *Key) AttestationRoot() *x509.Certificate { return k.chain.root }

// AAGUID is the key's AAGUID.
func (k *Key) AAGUID() [16]byte { return k.opts.AAGUID }

func (k *Key) newAgreementKey() error {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	k.agreement = priv
	return nil
}
