package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"golang.org/x/sync/singleflight"
)

const (
	// DefaultRefreshInterval: how long a value is served from memory before
	// Key Vault is asked again.
	DefaultRefreshInterval = 5 * time.Minute
	// DefaultMinRefreshInterval: the least time between two reads of the
	// same secret forced by Refresh (or retried after a failure), so a
	// caller presenting a wrong value cannot make us hammer Key Vault.
	DefaultMinRefreshInterval = 30 * time.Second
	// maxStale bounds how long a value is still served while Key Vault is
	// failing transiently.
	maxStale = 24 * time.Hour
	// fetchTimeout bounds one read shared by all goroutines waiting on it.
	fetchTimeout = 30 * time.Second
)

// ErrNotFound: the secret does not exist in the vault.
var ErrNotFound = errors.New("secret not found")

// Getter is the part of *azsecrets.Client the Store uses.
type Getter interface {
	GetSecret(ctx context.Context, name, version string, opts *azsecrets.GetSecretOptions) (azsecrets.GetSecretResponse, error)
}

var _ Getter = (*azsecrets.Client)(nil)

// Options tune a Store; zero values get the defaults.
type Options struct {
	RefreshInterval    time.Duration
	MinRefreshInterval time.Duration
	Now                func() time.Time
	Logger             *slog.Logger
}

// Store serves the latest version of named secrets from a memory cache.
// Safe for concurrent use.
type Store struct {
	client Getter
	opts   Options
	group  singleflight.Group

	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	value       string
	version     string
	fetchedAt   time.Time // last successful read
	attemptedAt time.Time // last read, successful or not
}

// NewStore returns a Store reading through client (normally an
// *azsecrets.Client).
func NewStore(client Getter, opts Options) *Store {
	if opts.RefreshInterval <= 0 {
		opts.RefreshInterval = DefaultRefreshInterval
	}
	if opts.MinRefreshInterval <= 0 {
		opts.MinRefreshInterval = DefaultMinRefreshInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Store{client: client, opts: opts, entries: map[string]*entry{}}
}

// Get returns the secret's current value, from memory if it was read less
// than the refresh interval ago.
func (s *Store) Get(ctx context.Context, name string) (string, error) {
	now := s.opts.Now()
	e := s.entry(name)
	if e != nil && (now.Sub(e.fetchedAt) < s.opts.RefreshInterval || !s.mayRetry(e, now)) {
		return e.value, nil
	}
	return s.load(ctx, name)
}

// Refresh re-reads the secret now, unless it was read less than the
// minimum refresh interval ago; then it returns the cached value. Use it
// when a presented value does not match, in case the secret was rotated.
func (s *Store) Refresh(ctx context.Context, name string) (string, error) {
	e := s.entry(name)
	if e != nil && !s.mayRetry(e, s.opts.Now()) {
		return e.value, nil
	}
	return s.load(ctx, name)
}

func (s *Store) mayRetry(e *entry, now time.Time) bool {
	return now.Sub(e.attemptedAt) >= s.opts.MinRefreshInterval
}

func (s *Store) entry(name string) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[name]; ok {
		cp := *e
		return &cp
	}
	return nil
}

// load reads name once for all goroutines asking at the same time. Each
// caller can give up on its own context without cancelling the others.
func (s *Store) load(ctx context.Context, name string) (string, error) {
	ch := s.group.DoChan(name, func() (any, error) {
		fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		return s.fetch(fetchCtx, name)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	case <-ctx.Done():
		return "", fmt.Errorf("reading secret %q: %w", name, ctx.Err())
	}
}

func (s *Store) fetch(ctx context.Context, name string) (string, error) {
	now := s.opts.Now()
	resp, err := s.client.GetSecret(ctx, name, "", nil)
	if err != nil {
		return s.fetchFailed(ctx, name, now, err)
	}
	if resp.Value == nil {
		return s.fetchFailed(ctx, name, now, errors.New("response has no value"))
	}
	version := ""
	if resp.ID != nil {
		version = resp.ID.Version()
	}
	s.mu.Lock()
	prev := s.entries[name]
	s.entries[name] = &entry{value: *resp.Value, version: version, fetchedAt: now, attemptedAt: now}
	s.mu.Unlock()
	if prev == nil || prev.version != version {
		s.opts.Logger.InfoContext(ctx, "read secret from Key Vault", "secret", name, "version", version)
	}
	return *resp.Value, nil
}

// fetchFailed decides between serving the cached value (transient
// failures, for a bounded time) and dropping it (the vault says the secret
// is gone, disabled or no longer ours to read).
func (s *Store) fetchFailed(ctx context.Context, name string, now time.Time, err error) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[name]
	if transient(err) && e != nil && now.Sub(e.fetchedAt) < maxStale {
		e.attemptedAt = now
		s.opts.Logger.WarnContext(ctx, "Key Vault read failed; serving cached secret",
			"secret", name, "version", e.version, "age", now.Sub(e.fetchedAt).Round(time.Second), "error", err)
		return e.value, nil
	}
	delete(s.entries, name)
	s.opts.Logger.ErrorContext(ctx, "Key Vault read failed", "secret", name, "error", err)
	if isStatus(err, http.StatusNotFound) {
		return "", fmt.Errorf("reading secret %q: %w: %w", name, ErrNotFound, err)
	}
	return "", fmt.Errorf("reading secret %q: %w", name, err)
}

// transient: worth retrying later and no reason to stop using a value we
// have (throttling, timeouts, server errors, network failures).
func transient(err error) bool {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return true
	}
	return re.StatusCode == http.StatusTooManyRequests || re.StatusCode == http.StatusRequestTimeout ||
		re.StatusCode >= http.StatusInternalServerError
}

func isStatus(err error, status int) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == status
}
