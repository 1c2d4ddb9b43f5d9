package keyvault

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// Options configure a Vault. Zero values work.
type Options struct {
	// TenantID named in the challenge. Empty: a fixed test GUID.
	TenantID string
	// Authorize checks the bearer token of each request; a non-nil error
	// answers 401. Nil accepts any non-empty token.
	Authorize func(token string) error
	// Latency is added to every response.
	Latency time.Duration
	// Now is the clock for created/updated; nil means time.Now.
	Now func() time.Time
}

// Vault is a running Key Vault double. Safe for concurrent use.
type Vault struct {
	opts Options
	ts   *httptest.Server

	mu         sync.Mutex
	secrets    map[string][]*version // oldest first
	requests   int                   // authorised API requests
	challenges int                   // 401 challenges sent
	faults     []fault
}

type version struct {
	id          string
	value       string
	contentType string
	tags        map[string]string
	enabled     bool
	created     time.Time
}

type fault struct {
	status     int
	retryAfter time.Duration
}

// Start runs a Vault on an HTTPS test server at 127.0.0.1.
func Start(opts Options) *Vault {
	if opts.TenantID == "" {
		opts.TenantID = "72f988bf-0000-4000-8000-00000000c0de"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	v := &Vault{opts: opts, secrets: map[string][]*version{}}
	v.ts = httptest.NewTLSServer(v.routes())
	return v
}

// Close stops the server.
func (v *Vault) Close() { v.ts.Close() }

// URL is the vault URL to give azsecrets.NewClient.
func (v *Vault) URL() string { return v.ts.URL }

// Client returns an HTTP client that trusts the server's certificate.
func (v *Vault) Client() *http.Client { return v.ts.Client() }

// ClientOptions returns azsecrets options that reach this double: its TLS
// client as transport and challenge-resource verification off (the
// challenge names vault.azure.net, the server is 127.0.0.1).
func (v *Vault) ClientOptions() *azsecrets.ClientOptions {
	opts := &azsecrets.ClientOptions{DisableChallengeResourceVerification: true}
	opts.Transport = v.Client()
	return opts
}

// NewClient returns a real azsecrets client for this vault. A nil cred
// means azcore's fake credential ("fake_token"), which still goes through
// the challenge flow.
func (v *Vault) NewClient(cred azcore.TokenCredential) (*azsecrets.Client, error) {
	if cred == nil {
		cred = &fake.TokenCredential{}
	}
	return azsecrets.NewClient(v.URL(), cred, v.ClientOptions())
}

// SetSecret stores value as a new, enabled version of name (as rotation
// does) and returns the version id.
func (v *Vault) SetSecret(name, value string) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.addVersion(name, &version{value: value, enabled: true}).id
}

func (v *Vault) addVersion(name string, ver *version) *version {
	ver.id = newVersionID()
	ver.created = v.opts.Now()
	v.secrets[name] = append(v.secrets[name], ver)
	return ver
}

// SetEnabled enables or disables the latest version of name, reporting
// whether the secret exists. A disabled version answers 403.
func (v *Vault) SetEnabled(name string, enabled bool) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	vers := v.secrets[name]
	if len(vers) == 0 {
		return false
	}
	vers[len(vers)-1].enabled = enabled
	return true
}

// DeleteSecret removes name and all its versions.
func (v *Vault) DeleteSecret(name string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.secrets, name)
}

// FailNext makes the next n authorised requests fail with status (e.g.
// 429, 503), with a Retry-After header when retryAfter > 0.
func (v *Vault) FailNext(n, status int, retryAfter time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for range n {
		v.faults = append(v.faults, fault{status: status, retryAfter: retryAfter})
	}
}

// Requests counts authorised requests to the secrets API (challenges and
// refused tokens excluded), including injected failures.
func (v *Vault) Requests() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.requests
}

// Challenges counts 401 responses that carried a challenge.
func (v *Vault) Challenges() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.challenges
}

// newVersionID returns 32 hex digits, the shape of Key Vault version ids.
func newVersionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
