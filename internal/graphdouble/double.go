package graphdouble

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Options tune a Double. The zero value is usable.
type Options struct {
	// PageSize is the default page size of collections (Graph: 100).
	PageSize int
	// MaxPageSize, when set, caps every page below the $top asked for, as
	// Graph may ("the server may return fewer items than $top",
	// learn.microsoft.com/graph/paging): clients must follow nextLink.
	MaxPageSize int
	// Now is the clock; tests may freeze it. Default time.Now.
	Now func() time.Time
	// BaseURL overrides the scheme://host used in @odata.nextLink and
	// @odata.context (default: taken from the request's Host).
	BaseURL string
	// Seed makes probabilistic faults reproducible (0 = random).
	Seed uint64
	// Initiator is the app recorded in audit entries the double writes.
	Initiator AppIdentity
	// MaskPhoneNumbers answers phone numbers masked but for their country
	// code and last two digits, as Graph does for callers without the right
	// to read them in full (see masking.go).
	MaskPhoneNumbers bool
	// FIDO2 tunes passkey provisioning (fido2.go); the FIDO2 method policy
	// itself is Tenant.Setup.Fido2.
	FIDO2 FIDO2Options
}

// Double is an in-memory Graph tenant. It is safe for concurrent use.
type Double struct {
	opts   Options
	routes []*route

	mu     sync.Mutex // guards tenant and shapes
	tenant *Tenant
	shapes map[string]bool // query shapes served (shapes.go)

	log    requestLog
	faults faultSet
	rate   rateLimit

	authMu    sync.Mutex
	authCheck func(*http.Request) error

	fido2 fido2State // guarded by mu (fido2_state.go)
}

// New returns a double serving a deep copy of t (nil = empty tenant). It
// panics when t fails Validate: that is a bug in the test that built it.
func New(t *Tenant, opts Options) *Double {
	if opts.PageSize <= 0 {
		opts.PageSize = 100
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Initiator.AppID == "" {
		opts.Initiator = AppIdentity{
			AppID:       "5b3c1f8e-0b7f-4c4e-9f1e-6d3a2c1b0a99",
			DisplayName: "entra-mfa-recovery",
		}
	}
	if t == nil {
		t = &Tenant{}
	}
	t = t.Clone()
	t.applyDefaults()
	if err := t.Validate(); err != nil {
		// A broken tenant is a bug in the test that built it.
		panic("graphdouble.New: " + err.Error())
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	d := &Double{opts: opts, tenant: t}
	d.faults.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	d.routes = append(fido2Routes(), buildRoutes()...)
	return d
}

// SetAuthCheck installs a hook that vets every request (typically its
// Authorization header). When it returns an error the double answers 401
// InvalidAuthenticationToken and does not touch the tenant. nil removes it.
func (d *Double) SetAuthCheck(check func(*http.Request) error) {
	d.authMu.Lock()
	d.authCheck = check
	d.authMu.Unlock()
}

func (d *Double) currentAuthCheck() func(*http.Request) error {
	d.authMu.Lock()
	defer d.authMu.Unlock()
	return d.authCheck
}

// View runs f with the live tenant under the lock. f must not keep
// references to it after returning, nor call other Double methods.
func (d *Double) View(f func(t *Tenant)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(d.tenant)
}

// Update runs f with the live tenant under the lock so a test can change
// it between calls (add a member, expire a pass, ...).
func (d *Double) Update(f func(t *Tenant)) {
	d.View(f)
}

// Snapshot returns a deep copy of the tenant.
func (d *Double) Snapshot() *Tenant {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tenant.Clone()
}

func (d *Double) now() time.Time { return d.opts.Now().UTC() }
