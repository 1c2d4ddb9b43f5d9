package hostsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim/childproc"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
)

// Config configures a simulator.
type Config struct {
	// AppRoot holds host.json. Function folders are read from
	// FunctionsDir, by default AppRoot/functions when it exists (the
	// repository layout) or else AppRoot itself (the deployed layout).
	AppRoot      string
	FunctionsDir string
	// HandlerURL is the handler's base URL, e.g. http://127.0.0.1:PORT.
	HandlerURL string
	// StorageConn is the connection string every queue binding's
	// "connection" resolves to (Azurite). With it, every invocation's queue
	// outputs are written to their queues, as the host does; DrainQueue
	// needs it. Without it, outputs are only returned.
	StorageConn string
	// FunctionKey is the only key authLevel "function" accepts (header
	// x-functions-key or query code). Empty: no key is valid, as in an app
	// without keys. MasterKey also passes "admin".
	FunctionKey, MasterKey string
	// Settings resolves %NAME% in queue names and schedules (app
	// settings); the process environment is the fallback.
	Settings map[string]string
	// PublicURL is the app's address as callers use it (Url in the
	// request object, Host of forwarded requests). Default
	// http://localhost:7071, as Core Tools.
	PublicURL string
	// HostVersion is sent in X-Azure-Functions-HostVersion and User-Agent.
	HostVersion string
	// InitTimeout bounds WaitReady, as HttpWorkerOptions.InitializationTimeout
	// (30 s) does.
	InitTimeout time.Duration
	Client      *http.Client // default: no redirects followed, as the host
	Logger      *slog.Logger
}

// Sim is a simulated Functions host for one app.
type Sim struct {
	cfg     Config
	host    HostConfig
	fns     map[string]*Function
	client  *http.Client
	log     *slog.Logger
	storage *azqueue.ServiceClient // nil without Config.StorageConn
}

// New reads host.json and the function.json files and checks them as the
// host's indexing would.
func New(cfg Config) (*Sim, error) {
	if cfg.HandlerURL == "" {
		return nil, errors.New("hostsim: no HandlerURL")
	}
	cfg.HandlerURL = strings.TrimRight(cfg.HandlerURL, "/")
	setDefaults(&cfg)
	hc, err := loadHostJSON(cfg.AppRoot)
	if err != nil {
		return nil, fmt.Errorf("hostsim: %w", err)
	}
	fns, err := loadFunctions(cfg.FunctionsDir)
	if err != nil {
		return nil, fmt.Errorf("hostsim: %w", err)
	}
	s := &Sim{cfg: cfg, host: hc, fns: fns, client: cfg.Client, log: cfg.Logger}
	if cfg.StorageConn != "" {
		if s.storage, err = queue.ServiceClient(cfg.StorageConn); err != nil {
			return nil, fmt.Errorf("hostsim: storage: %w", err)
		}
	}
	return s, nil
}

func setDefaults(cfg *Config) {
	if cfg.FunctionsDir == "" {
		cfg.FunctionsDir = cfg.AppRoot
		if st, err := os.Stat(filepath.Join(cfg.AppRoot, "functions")); err == nil && st.IsDir() {
			cfg.FunctionsDir = filepath.Join(cfg.AppRoot, "functions")
		}
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://localhost:7071"
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.HostVersion == "" {
		cfg.HostVersion = "4.1040.300.0"
	}
	if cfg.InitTimeout == 0 {
		cfg.InitTimeout = 30 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
}

// HostConfig returns what was read from host.json.
func (s *Sim) HostConfig() HostConfig { return s.host }

// Functions returns the function definitions, sorted by name.
func (s *Sim) Functions() []*Function {
	out := make([]*Function, 0, len(s.fns))
	for _, n := range sortedNames(s.fns) {
		out = append(out, s.fns[n])
	}
	return out
}

// Storage returns the queue service client (nil without StorageConn).
func (s *Sim) Storage() *azqueue.ServiceClient { return s.storage }

// function finds a function by its exact name and checks its trigger type.
func (s *Sim) function(name, triggerType string) (*Function, error) {
	fn := s.fns[name]
	if fn == nil {
		return nil, fmt.Errorf("hostsim: no function %q (have %s)", name, strings.Join(sortedNames(s.fns), ", "))
	}
	if !fn.Trigger().is(triggerType) {
		return nil, fmt.Errorf("hostsim: %s has a %s, not a %s", name, fn.Trigger().Type, triggerType)
	}
	return fn, nil
}

// resolve expands a whole-value %NAME% app-setting reference.
func (s *Sim) resolve(v string) string {
	name, ok := strings.CutPrefix(v, "%")
	if !ok || !strings.HasSuffix(name, "%") {
		return v
	}
	name = strings.TrimSuffix(name, "%")
	if val, ok := s.cfg.Settings[name]; ok {
		return val
	}
	return os.Getenv(name)
}

// WaitReady polls GET / every 25 ms, as the host does, until any HTTP
// answer arrives (even a 404), and returns how long that took. It fails
// after Config.InitTimeout, where the host gives up on the worker.
func (s *Sim) WaitReady(ctx context.Context) (time.Duration, error) {
	return waitReady(ctx, s.client, s.cfg.HandlerURL, hostPollInterval, s.cfg.InitTimeout, nil)
}

// hostPollInterval is how often the host probes a starting worker.
const hostPollInterval = 25 * time.Millisecond

func waitReady(ctx context.Context, client *http.Client, base string, every, limit time.Duration, exited <-chan struct{}) (time.Duration, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	err := childproc.Poll(ctx, every, exited, func(ctx context.Context) bool { return probe(ctx, client, base) })
	took := time.Since(start)
	switch {
	case errors.Is(err, childproc.ErrExited):
		return took, errors.New("hostsim: handler exited before it answered GET /")
	case err != nil:
		return took, fmt.Errorf("hostsim: handler at %s not ready after %v: %w", base, took.Round(time.Millisecond), err)
	}
	return took, nil
}

func probe(ctx context.Context, client *http.Client, base string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/", nil)
	if err != nil {
		return false
	}
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return true
}
