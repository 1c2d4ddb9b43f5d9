package oidc

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Options configure an Issuer. Zero values get working defaults.
type Options struct {
	// TenantID of the simulated tenant. Empty: a random GUID.
	TenantID string
	// Identities the managed-identity endpoint can issue tokens for. Empty:
	// one system-assigned identity with random ids.
	Identities []Identity
	// IdentityHeader is the secret azidentity must send as
	// X-IDENTITY-HEADER. Empty: random.
	IdentityHeader string
	// TokenLifetime of issued tokens. Zero: one hour.
	TokenLifetime time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Issuer signs tokens and serves the discovery, key and managed-identity
// endpoints (it is an http.Handler). Safe for concurrent use.
type Issuer struct {
	tenant   string
	idHeader string
	lifetime time.Duration
	now      func() time.Time
	ids      []Identity
	forger   *signingKey // never published: signs forgeries
	handler  http.Handler

	mu   sync.RWMutex
	keys []*signingKey // published; the last one signs new tokens

	keyRequests   atomic.Int64
	tokenRequests atomic.Int64
}

// signingKey is an RSA key with the self-signed certificate Entra-style
// JWKS entries carry (x5c) and its SHA-1 thumbprint, which Entra also uses
// as the key id.
type signingKey struct {
	priv *rsa.PrivateKey
	cert *x509.Certificate
	kid  string
}

// NewIssuer generates a signing key and returns an Issuer.
func NewIssuer(opts Options) (*Issuer, error) {
	key, err := newSigningKey()
	if err != nil {
		return nil, err
	}
	forger, err := newSigningKey()
	if err != nil {
		return nil, err
	}
	forger.kid = key.kid // forgeries claim the real key's id
	iss := &Issuer{
		tenant:   orDefault(opts.TenantID, newGUID),
		idHeader: orDefault(opts.IdentityHeader, randomSecret),
		lifetime: opts.TokenLifetime,
		now:      opts.Now,
		ids:      opts.Identities,
		forger:   forger,
		keys:     []*signingKey{key},
	}
	iss.applyDefaults()
	iss.handler = iss.mux()
	return iss, nil
}

func (i *Issuer) applyDefaults() {
	if i.lifetime == 0 {
		i.lifetime = time.Hour
	}
	if i.now == nil {
		i.now = time.Now
	}
	if len(i.ids) == 0 {
		i.ids = []Identity{{ClientID: newGUID(), ObjectID: newGUID()}}
	}
}

func newSigningKey() (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generating RSA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "accounts.accesscontrol.windows.net"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(1, 0, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, fmt.Errorf("self-signing certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing certificate: %w", err)
	}
	sum := sha1.Sum(der)
	kid := base64.RawURLEncoding.EncodeToString(sum[:])
	return &signingKey{priv: priv, cert: cert, kid: kid}, nil
}

// jwk is the public half as published in the JWKS.
func (k *signingKey) jwk() jose.JSONWebKey {
	sum := sha1.Sum(k.cert.Raw)
	return jose.JSONWebKey{
		Key:                       &k.priv.PublicKey,
		KeyID:                     k.kid,
		Use:                       "sig",
		Certificates:              []*x509.Certificate{k.cert},
		CertificateThumbprintSHA1: sum[:],
	}
}

// TenantID returns the simulated tenant.
func (i *Issuer) TenantID() string { return i.tenant }

// V1Issuer returns the "iss" of v1 tokens: https://sts.windows.net/{tid}/.
func (i *Issuer) V1Issuer() string { return V1IssuerFor(i.tenant) }

// V2Issuer returns the "iss" of v2 tokens:
// https://login.microsoftonline.com/{tid}/v2.0.
func (i *Issuer) V2Issuer() string { return V2IssuerFor(i.tenant) }

// V1IssuerFor returns Entra's v1 issuer for a tenant.
func V1IssuerFor(tenant string) string { return "https://sts.windows.net/" + tenant + "/" }

// V2IssuerFor returns Entra's v2 issuer for a tenant.
func V2IssuerFor(tenant string) string {
	return "https://login.microsoftonline.com/" + tenant + "/v2.0"
}

// KeyID returns the id of the key that signs new tokens.
func (i *Issuer) KeyID() string { return i.current().kid }

// RotateKey publishes a new signing key and signs new tokens with it; the
// old keys stay published, as Entra does during a rollover.
func (i *Issuer) RotateKey() (kid string, err error) {
	key, err := newSigningKey()
	if err != nil {
		return "", err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append(i.keys, key)
	return key.kid, nil
}

// KeyRequests counts requests to the JWKS endpoints.
func (i *Issuer) KeyRequests() int { return int(i.keyRequests.Load()) }

// TokenRequests counts requests to the managed-identity endpoint.
func (i *Issuer) TokenRequests() int { return int(i.tokenRequests.Load()) }

// IdentityHeader returns the secret the managed-identity endpoint expects.
func (i *Issuer) IdentityHeader() string { return i.idHeader }

// Identities returns the managed identities the endpoint knows.
func (i *Issuer) Identities() []Identity { return append([]Identity(nil), i.ids...) }

func (i *Issuer) current() *signingKey {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.keys[len(i.keys)-1]
}

func (i *Issuer) published() []*signingKey {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return append([]*signingKey(nil), i.keys...)
}

func orDefault(v string, gen func() string) string {
	if v != "" {
		return v
	}
	return gen()
}

// newGUID returns a random (version 4) GUID, the shape of Entra ids.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func randomSecret() string { return rand.Text() }
