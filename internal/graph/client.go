// Package graph implements directory.Directory with msgraph-sdk-go. It is
// the only package that imports the SDK (a cold build of it costs minutes
// and gigabytes), so everything else depends on the narrow port instead.
//
// Retries are ours, not Kiota's: the SDK's retry handler would re-send a
// TAP POST after a 503, and a second POST replaces the first pass. We drop
// that middleware and retry in retry.go, per call, knowing which calls are
// safe to repeat.
package graph

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	kauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraph "github.com/microsoftgraph/msgraph-sdk-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// Config is what the client needs; the handler fills it from settings.
type Config struct {
	// BaseURL such as https://graph.microsoft.com/v1.0 (sovereign clouds and
	// the local sandbox differ only here).
	BaseURL    string
	Scope      string
	Credential azcore.TokenCredential
	// Transport is the parent transport under the SDK middleware; nil means
	// http.DefaultTransport. Tests pass their TLS test server's transport.
	Transport http.RoundTripper
	Timeout   time.Duration
	Retry     RetryPolicy
	Logger    *slog.Logger
	// MaxConcurrency bounds the requests one call fans out (role lookups
	// for several principals), shared by all callers of the client; 0
	// means 16.
	MaxConcurrency int
}

// defaultConcurrency keeps one instance's fan-out well inside Graph's
// per-app limits while letting a handful of lookups overlap.
const defaultConcurrency = 16

// Client is the Graph adapter.
type Client struct {
	sdk     *msgraph.GraphServiceClient
	baseURL string // for @odata.id references
	retry   RetryPolicy
	log     *slog.Logger
	slots   chan struct{}  // the shared concurrency limit of fanOut
	pace    *adaptivePacer // spaces requests after Graph throttled us
}

var _ directory.Directory = (*Client)(nil)

// New builds the SDK client against cfg.BaseURL.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("graph base URL %q: not a URL", cfg.BaseURL)
	}
	// The auth provider silently sends no token to hosts outside its list,
	// so the configured host is the list.
	auth, err := kauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(
		cfg.Credential, []string{cfg.Scope}, []string{u.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("graph auth provider: %w", err)
	}
	adapter, err := msgraph.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, nil, nil, httpClient(cfg))
	if err != nil {
		return nil, fmt.Errorf("graph request adapter: %w", err)
	}
	// Must be set before the service client copies it into its path parameters.
	adapter.SetBaseUrl(cfg.BaseURL)
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	slots := cfg.MaxConcurrency
	if slots <= 0 {
		slots = defaultConcurrency
	}
	return &Client{
		sdk: msgraph.NewGraphServiceClient(adapter), baseURL: strings.TrimRight(cfg.BaseURL, "/"),
		retry: cfg.Retry.withDefaults(), log: log, slots: make(chan struct{}, slots), pace: &adaptivePacer{},
	}, nil
}

// pooledTransport keeps connections to Graph open for reuse by parallel
// callers: Go's default keeps 2 idle per host, so a burst of 32 lookups
// would end in 30 closed connections and 30 new TLS handshakes the next
// time.
func pooledTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 128
	t.MaxIdleConns = 256
	return t
}

// httpClient is the SDK's default pipeline without its retry handler.
func httpClient(cfg Config) *http.Client {
	opts := msgraph.GetDefaultClientOptions()
	var mws []khttp.Middleware
	for _, m := range core.GetDefaultMiddlewaresWithOptions(&opts) {
		if _, isRetry := m.(*khttp.RetryHandler); isRetry {
			continue
		}
		mws = append(mws, m)
	}
	parent := cfg.Transport
	if parent == nil {
		parent = pooledTransport()
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second // Graph's own limit for method calls
	}
	return &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(parent, mws...),
		Timeout:   timeout,
		// Graph does not redirect the calls we make; never follow one with a token.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
