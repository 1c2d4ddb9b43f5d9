// Package graphtest starts the sandbox Graph double and connects the real
// Graph adapter to it, for tests of packages built on directory.Directory.
package graphtest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble/queryrec"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/sandbox"
)

// Sandbox tenant ids (internal/graphdouble/testdata/tenant.json).
const (
	Nora           = "10000000-0000-4000-8000-000000000001" // new hire; manager Mara
	Mara           = "10000000-0000-4000-8000-000000000002" // manager with a mailbox
	Una            = "10000000-0000-4000-8000-000000000003" // no manager
	Milo           = "10000000-0000-4000-8000-000000000004" // no mailbox
	Petra          = "10000000-0000-4000-8000-000000000005" // manager Milo has no mailbox
	Gina           = "10000000-0000-4000-8000-000000000006" // Global Administrator
	Pia            = "10000000-0000-4000-8000-000000000007" // eligible through PIM
	Bree           = "10000000-0000-4000-8000-000000000008" // break-glass, nested in the protected group
	Sam            = "10000000-0000-4000-8000-000000000009" // six MFA methods
	Hank           = "10000000-0000-4000-8000-000000000010" // role through a role-assignable group
	Greta          = "10000000-0000-4000-8000-000000000011" // guest
	ProtectedGroup = sandbox.ProtectedGroupID
	Sender         = sandbox.Sender // the app's sender mailbox
)

// SeedPath is the sandbox tenant file.
func SeedPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "graphdouble", "testdata", "tenant.json")
}

// Rig is a Graph double behind an HTTP server and the real client.
type Rig struct {
	Double *graphdouble.Double
	Client *graph.Client
	URL    string // base URL including /v1.0

	mu    sync.Mutex
	waits []time.Duration
}

// New starts the sandbox tenant and a client whose retry waits are
// recorded instead of slept, so throttling tests run instantly.
func New(t testing.TB, opts graphdouble.Options) *Rig {
	return NewWith(t, Config{Double: opts})
}

// Config tunes NewWith.
type Config struct {
	Tenant *graphdouble.Tenant // nil: the sandbox tenant
	Double graphdouble.Options
	// RealSleep makes the client really wait (Retry-After, pacing), as in
	// production; otherwise waits are recorded (Waits) and skipped.
	RealSleep bool
}

// NewWith starts a Graph double for c.Tenant and the real client.
func NewWith(t testing.TB, c Config) *Rig {
	t.Helper()
	seed := c.Tenant
	if seed == nil {
		var err error
		if seed, err = graphdouble.LoadSeed(SeedPath()); err != nil {
			t.Fatal(err)
		}
	}
	r := &Rig{Double: graphdouble.New(seed, c.Double)}
	queryrec.Watch(t, r.Double)
	srv := httptest.NewServer(r.Double)
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/v1.0"
	retry := graph.RetryPolicy{MaxAttempts: 4, Sleep: r.sleep}
	if c.RealSleep {
		retry.Sleep = nil
	}
	var err error
	r.Client, err = graph.New(graph.Config{
		BaseURL:    r.URL,
		Scope:      "https://graph.microsoft.com/.default",
		Credential: &fake.TokenCredential{},
		Retry:      retry,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Double.SetAuthCheck(func(req *http.Request) error {
		if req.Header.Get("Authorization") != "Bearer fake_token" {
			return errors.New("no token")
		}
		return nil
	})
	return r
}

func (r *Rig) sleep(_ context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.mu.Unlock()
	return nil
}

// Waits returns the retry waits the client would have slept.
func (r *Rig) Waits() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...)
}
