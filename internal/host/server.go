package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Server is the handler's http.Handler. It answers the readiness probe at
// once and holds invocations until the function table is installed.
type Server struct {
	log    *slog.Logger
	prefix string // routePrefix of host.json, "api" unless set

	once    sync.Once
	done    chan struct{} // closed by Ready or Fail
	tab     *table        // written before done is closed
	failErr error         // written before done is closed
}

// NewServer returns a server that is "starting" until Ready or Fail.
func NewServer(logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{log: logger, prefix: "api", done: make(chan struct{})}
}

// SetRoutePrefix sets host.json extensions.http.routePrefix ("api" by
// default; "" is allowed). Call it before Ready.
func (s *Server) SetRoutePrefix(prefix string) { s.prefix = strings.Trim(prefix, "/") }

// Ready installs the function table once start-up work is done and releases
// waiting invocations. An invalid table is a start-up failure (see Fail).
// Only the first call of Ready or Fail counts.
func (s *Server) Ready(fns []Function) {
	tab, err := newTable(fns)
	if err != nil {
		s.Fail(fmt.Errorf("invalid function table: %w", err))
		return
	}
	s.once.Do(func() {
		s.tab = tab
		close(s.done)
		s.log.Info("handler ready", "functions", len(fns))
	})
}

// Fail records that start-up failed: invocations then answer 503 with the
// reason, so the error reaches the host's logs. err must not carry secrets.
func (s *Server) Fail(err error) {
	if err == nil {
		err = errors.New("start-up failed")
	}
	s.once.Do(func() {
		s.failErr = err
		close(s.done)
		s.log.Error("handler start-up failed", "err", err)
	})
}

// Functions returns a copy of the installed table (nil before Ready).
func (s *Server) Functions() []Function {
	select {
	case <-s.done:
		if s.tab == nil {
			return nil
		}
		return append([]Function(nil), s.tab.fns...)
	default:
		return nil
	}
}

// ListenAddr is where the host expects the handler: 127.0.0.1 and the port
// it chose (FUNCTIONS_CUSTOMHANDLER_PORT; FUNCTIONS_HTTPWORKER_PORT on older
// hosts; 8080 for local runs without a host).
func ListenAddr() string {
	for _, k := range []string{"FUNCTIONS_CUSTOMHANDLER_PORT", "FUNCTIONS_HTTPWORKER_PORT"} {
		if p := os.Getenv(k); p != "" {
			return "127.0.0.1:" + p
		}
	}
	return "127.0.0.1:8080"
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx := withInvocationID(r.Context(), r.Header.Get(headerInvocationID))
	r = r.WithContext(ctx)
	defer s.recoverPanic(w, r)
	if r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		s.serveProbe(w)
		return
	}
	if !s.waitReady(ctx, w) {
		return
	}
	status := s.dispatch(w, r)
	s.log.LogAttrs(ctx, slog.LevelDebug, "request served",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), // never the query: it can hold code=
		slog.Int("status", status), slog.Duration("took", time.Since(start)),
		slog.String("invocation_id", InvocationID(ctx)))
}

// serveProbe answers the host's readiness poll without waiting.
func (s *Server) serveProbe(w http.ResponseWriter) {
	status := "starting"
	select {
	case <-s.done:
		status = "ready"
		if s.failErr != nil {
			status = "failed"
		}
	default:
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": status})
}

// waitReady blocks until Ready or Fail, bounded by the request context. It
// writes the answer itself and returns false when the request cannot go on.
func (s *Server) waitReady(ctx context.Context, w http.ResponseWriter) bool {
	select {
	case <-s.done:
	case <-ctx.Done():
		writeResponse(w, Error(http.StatusServiceUnavailable, "starting", "handler start-up not finished"))
		return false
	}
	if s.failErr != nil {
		writeResponse(w, Error(http.StatusServiceUnavailable, "startup_failed", s.failErr.Error()))
		return false
	}
	return true
}

// dispatch picks the transport: /{Name} is a JSON invocation, anything under
// the route prefix a forwarded request. It returns the status written.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) int {
	// Names cannot hold "/" (ValidateFunctions), so only /{Name} matches.
	if fn := s.tab.byName[strings.TrimPrefix(r.URL.Path, "/")]; fn != nil {
		return s.serveInvocation(w, r, fn)
	}
	if rest, ok := s.underPrefix(r.URL.EscapedPath()); ok {
		return s.serveForwarded(w, r, rest)
	}
	return writeResponse(w, Error(http.StatusNotFound, "not_found", "no function at this path"))
}

// underPrefix strips "/{prefix}" from an escaped path.
func (s *Server) underPrefix(path string) (string, bool) {
	path = strings.TrimPrefix(path, "/")
	if s.prefix == "" {
		return path, true
	}
	head, rest, _ := strings.Cut(path, "/")
	return rest, strings.EqualFold(head, s.prefix)
}

// recoverPanic turns a panic into a 500 JSON answer. The panic value and
// stack go to the log only: they may hold request data.
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.log.ErrorContext(r.Context(), "function panicked", "path", r.URL.Path,
		"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	writeResponse(w, Error(http.StatusInternalServerError, "internal", "the function failed unexpectedly"))
}
