package secrets_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/keyvault"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/logcapture"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/secrets"
)

type fixture struct {
	vault *keyvault.Vault
	store *secrets.Store
	clock *clock.Fake
	logs  *logcapture.Buffer
}

// newFixture wires a Store to the Key Vault double through the real
// azsecrets client, with SDK retries off so injected faults reach the Store.
func newFixture(t *testing.T, opts keyvault.Options) *fixture {
	t.Helper()
	v := keyvault.Start(opts)
	t.Cleanup(v.Close)
	co := v.ClientOptions()
	co.Retry = policy.RetryOptions{MaxRetries: -1}
	client, err := azsecrets.NewClient(v.URL(), &fake.TokenCredential{}, co)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.New(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	logger, logs := logcapture.New(slog.LevelDebug)
	store := secrets.NewStore(client, secrets.Options{Now: clk.Now, Logger: logger})
	return &fixture{vault: v, store: store, clock: clk, logs: logs}
}

func (f *fixture) get(t *testing.T, name, want string) {
	t.Helper()
	got, err := f.store.Get(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("Get(%s) = %q, want %q", name, got, want)
	}
}

func (f *fixture) wantRequests(t *testing.T, n int) {
	t.Helper()
	if got := f.vault.Requests(); got != n {
		t.Fatalf("vault requests = %d, want %d", got, n)
	}
}

func TestGetCachesWithinRefreshInterval(t *testing.T) {
	f := newFixture(t, keyvault.Options{})
	f.vault.SetSecret("hr-key", "v1")
	f.get(t, "hr-key", "v1")
	f.clock.Advance(4 * time.Minute)
	f.get(t, "hr-key", "v1")
	f.wantRequests(t, 1)
}

func TestRotationPickedUpAfterRefreshInterval(t *testing.T) {
	f := newFixture(t, keyvault.Options{})
	f.vault.SetSecret("hr-key", "v1")
	f.get(t, "hr-key", "v1")
	f.vault.SetSecret("hr-key", "v2")
	f.get(t, "hr-key", "v1") // still cached
	f.clock.Advance(secrets.DefaultRefreshInterval)
	f.get(t, "hr-key", "v2")
	f.wantRequests(t, 2)
}

func TestRefreshIsRateLimited(t *testing.T) {
	f := newFixture(t, keyvault.Options{})
	ctx := context.Background()
	f.vault.SetSecret("hr-key", "v1")
	f.get(t, "hr-key", "v1")
	f.vault.SetSecret("hr-key", "v2")

	// Right after a read, a forced refresh is refused and serves the cache.
	if got, _ := f.store.Refresh(ctx, "hr-key"); got != "v1" {
		t.Fatalf("Refresh = %q, want cached v1", got)
	}
	f.wantRequests(t, 1)

	f.clock.Advance(secrets.DefaultMinRefreshInterval)
	if got, err := f.store.Refresh(ctx, "hr-key"); err != nil || got != "v2" {
		t.Fatalf("Refresh = %q, %v; want v2", got, err)
	}
	for range 5 {
		f.store.Refresh(ctx, "hr-key")
	}
	f.wantRequests(t, 2)
	f.get(t, "hr-key", "v2")
	f.wantRequests(t, 2)
}

func TestRefreshOfUncachedSecretReads(t *testing.T) {
	f := newFixture(t, keyvault.Options{})
	f.vault.SetSecret("k", "v")
	if got, err := f.store.Refresh(context.Background(), "k"); err != nil || got != "v" {
		t.Fatalf("Refresh = %q, %v", got, err)
	}
}

func TestNotFound(t *testing.T) {
	f := newFixture(t, keyvault.Options{})
	_, err := f.store.Get(context.Background(), "absent")
	if !errors.Is(err, secrets.ErrNotFound) || !strings.Contains(err.Error(), `"absent"`) {
		t.Fatalf("err = %v, want ErrNotFound naming the secret", err)
	}
	// Not-found is not cached: once the secret exists it is served.
	f.vault.SetSecret("absent", "now-here")
	f.get(t, "absent", "now-here")
}

func TestDeletedOrDisabledSecretStopsBeingServed(t *testing.T) {
	f := newFixture(t, keyvault.Options{})
	f.vault.SetSecret("a", "x")
	f.vault.SetSecret("b", "y")
	f.get(t, "a", "x")
	f.get(t, "b", "y")
	f.vault.DeleteSecret("a")
	f.vault.SetEnabled("b", false)
	f.clock.Advance(secrets.DefaultRefreshInterval)
	if _, err := f.store.Get(context.Background(), "a"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("deleted: err = %v", err)
	}
	if _, err := f.store.Get(context.Background(), "b"); err == nil || errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("disabled: err = %v, want a non-not-found error", err)
	}
}

func TestTransientFailureServesCachedValue(t *testing.T) {
	f := newFixture(t, keyvault.Options{})
	f.vault.SetSecret("k", "v1")
	f.get(t, "k", "v1")
	f.clock.Advance(secrets.DefaultRefreshInterval)
	f.vault.FailNext(1, http.StatusServiceUnavailable, 0)
	f.get(t, "k", "v1") // stale, served despite the 503
	f.wantRequests(t, 2)
	if !strings.Contains(f.logs.String(), "serving cached secret") {
		t.Fatalf("stale serve not logged: %s", f.logs.String())
	}
	f.get(t, "k", "v1") // retry waits for the minimum interval
	f.wantRequests(t, 2)
	f.vault.SetSecret("k", "v2")
	f.clock.Advance(secrets.DefaultMinRefreshInterval)
	f.get(t, "k", "v2")
}

func TestTransientFailureWithoutCacheIsAnError(t *testing.T) {
	f := newFixture(t, keyvault.Options{})
	f.vault.SetSecret("k", "v")
	f.vault.FailNext(1, http.StatusTooManyRequests, 0)
	if _, err := f.store.Get(context.Background(), "k"); err == nil {
		t.Fatal("no error for a throttled first read")
	}
	f.get(t, "k", "v")
}

func TestConcurrentGetsShareOneRead(t *testing.T) {
	f := newFixture(t, keyvault.Options{Latency: 20 * time.Millisecond})
	f.vault.SetSecret("k", "v")
	f.get(t, "k", "v") // learn the challenge first
	f.clock.Advance(secrets.DefaultRefreshInterval)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { f.get(t, "k", "v") })
	}
	wg.Wait()
	f.wantRequests(t, 2)
}

func TestCallerCancellationDoesNotAbortSharedRead(t *testing.T) {
	f := newFixture(t, keyvault.Options{Latency: 50 * time.Millisecond})
	f.vault.SetSecret("k", "v")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := f.store.Get(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	f.get(t, "k", "v")
}

func TestValuesNeverLogged(t *testing.T) {
	f := newFixture(t, keyvault.Options{})
	const value = "pin-value-0451-must-not-leak"
	f.vault.SetSecret("k", value)
	f.get(t, "k", value)
	f.clock.Advance(secrets.DefaultRefreshInterval)
	f.vault.FailNext(1, http.StatusInternalServerError, 0)
	f.get(t, "k", value)
	f.vault.SetEnabled("k", false)
	f.clock.Advance(secrets.DefaultRefreshInterval)
	_, err := f.store.Get(context.Background(), "k")
	if err == nil || strings.Contains(err.Error(), value) {
		t.Fatalf("err = %v", err)
	}
	if logs := f.logs.String(); !strings.Contains(logs, `"secret":"k"`) || strings.Contains(logs, value) {
		t.Fatalf("logs = %s", logs)
	}
}
