package callerauth

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

const (
	// refreshInterval is the least time between two JWKS fetches triggered
	// by unknown key ids (Microsoft.IdentityModel uses the same 5 minutes).
	// Entra publishes new keys well before signing with them.
	refreshInterval = 5 * time.Minute
	// retryInterval is the least time between fetches after a failed one,
	// shorter so a cold start during a blip recovers quickly.
	retryInterval = 10 * time.Second
	// maxKeyAge: keys older than this are re-fetched on next use, so keys
	// Entra has withdrawn stop being accepted.
	maxKeyAge = 24 * time.Hour
	// maxJWKSBytes bounds the key document we are willing to read.
	maxJWKSBytes = 1 << 20
	// minRSABits rejects weak keys even if the endpoint serves them.
	minRSABits = 2048
)

var (
	errUnknownKey      = errors.New("unknown signing key")
	errKeysUnavailable = errors.New("signing keys unavailable")
)

// keySet caches the RSA signing keys of one JWKS endpoint. Lookups of known
// key ids never wait for the network; fetches are serialised and
// rate-limited.
type keySet struct {
	url    string
	client *http.Client
	now    func() time.Time
	log    *slog.Logger

	fetchMu sync.Mutex // held for the duration of one fetch

	mu        sync.RWMutex
	keys      map[string]*rsa.PublicKey
	fetchedAt time.Time // last successful fetch
	nextFetch time.Time // earliest next fetch allowed
}

func newKeySet(url string, client *http.Client, now func() time.Time, log *slog.Logger) *keySet {
	return &keySet{url: url, client: client, now: now, log: log}
}

// key returns the public key for kid, fetching the key set if kid is
// unknown or the cache is old, subject to the rate limit.
func (k *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	pub, fresh := k.lookup(kid)
	if pub != nil && fresh {
		return pub, nil
	}
	k.refresh(ctx)
	if pub, _ = k.lookup(kid); pub != nil {
		return pub, nil
	}
	if k.empty() {
		return nil, errKeysUnavailable
	}
	return nil, errUnknownKey
}

func (k *keySet) lookup(kid string) (pub *rsa.PublicKey, fresh bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.keys[kid], k.now().Sub(k.fetchedAt) < maxKeyAge
}

func (k *keySet) empty() bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.keys) == 0
}

// refresh fetches the key set unless a fetch happened too recently.
// Concurrent callers queue on fetchMu and then find nextFetch moved on, so
// a burst of tokens with unknown kids costs one request.
func (k *keySet) refresh(ctx context.Context) {
	k.fetchMu.Lock()
	defer k.fetchMu.Unlock()
	now := k.now()
	k.mu.RLock()
	allowed := !now.Before(k.nextFetch)
	k.mu.RUnlock()
	if !allowed {
		return
	}
	keys, err := k.fetch(ctx)
	k.mu.Lock()
	defer k.mu.Unlock()
	if err != nil {
		// Keep serving the keys we have; a failed refresh must not turn
		// into an outage while Entra's endpoint blips.
		k.nextFetch = now.Add(retryInterval)
		k.log.WarnContext(ctx, "fetching token signing keys failed", "jwks_url", k.url, "error", err)
		return
	}
	k.keys, k.fetchedAt, k.nextFetch = keys, now, now.Add(refreshInterval)
	k.log.InfoContext(ctx, "fetched token signing keys", "jwks_url", k.url, "keys", len(keys))
}

func (k *keySet) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	// Detach from the caller's cancellation: the result serves everyone
	// queued behind this fetch, not just this request.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), keyFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, fmt.Errorf("building JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET JWKS: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading JWKS: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("JWKS larger than %d bytes", maxJWKSBytes)
	}
	return parseJWKS(body)
}

// parseJWKS keeps the usable RSA signing keys and skips the rest, as
// RFC 7517 §5 asks (ignore keys you do not understand).
func parseJWKS(body []byte) (map[string]*rsa.PublicKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decoding JWKS: %w", err)
	}
	keys := make(map[string]*rsa.PublicKey, len(doc.Keys))
	for _, raw := range doc.Keys {
		var jwk jose.JSONWebKey
		if json.Unmarshal(raw, &jwk) != nil || jwk.KeyID == "" {
			continue
		}
		pub, ok := jwk.Key.(*rsa.PublicKey)
		if !ok || (jwk.Use != "" && jwk.Use != "sig") || pub.N.BitLen() < minRSABits {
			continue
		}
		keys[jwk.KeyID] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New("JWKS has no usable RSA signing keys")
	}
	return keys, nil
}
