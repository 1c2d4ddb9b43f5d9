package graphdouble

import (
	"context"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Fault is an injection rule. A request matches when Method ("" = any)
// and the path (Path glob, see MatchPath, or PathRegexp) match. Among the
// matching requests the first Skip pass untouched; after that the rule
// fires at most Count times (0 = no limit), each time with Probability
// (0 = always). A firing rule adds Latency and, if it has one, applies its
// action: Status (an error answer, tenant untouched), Drop (the request IS
// applied, then the connection closes without an answer: "Graph did it but
// we lost the reply"), or DropBeforeApply (closed, tenant untouched).
// Only the first firing rule with an action acts; latencies add up.
//
// Note for GET drops: Go's http.Transport silently retries idempotent
// requests on a reused connection that closes without answering, so a
// dropped GET may reach the double twice.
type Fault struct {
	Method      string
	Path        string
	PathRegexp  *regexp.Regexp
	Skip        int
	Count       int
	Probability float64

	Latency time.Duration
	Status  int
	// RetryAfter is the Retry-After header value sent with Status ("2",
	// "0", or an HTTP date); "" sends none, as Conditional Access
	// throttling does.
	RetryAfter string
	// Code and Message override the error body Graph would send.
	Code, Message   string
	Drop            bool
	DropBeforeApply bool
}

// Throttle answers 429 with Retry-After: retryAfter (seconds; "" for none)
// to the next count matching requests.
func Throttle(method, path string, count int, retryAfter string) Fault {
	return Fault{Method: method, Path: path, Count: count, Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// ServerError answers status (500, 502, 503, 504) to the next count
// matching requests.
func ServerError(method, path string, status, count int) Fault {
	return Fault{Method: method, Path: path, Count: count, Status: status}
}

// DropResponse applies the next count matching requests and then closes
// the connection without answering.
func DropResponse(method, path string, count int) Fault {
	return Fault{Method: method, Path: path, Count: count, Drop: true}
}

// Delay adds latency to every matching request.
func Delay(method, path string, latency time.Duration) Fault {
	return Fault{Method: method, Path: path, Latency: latency}
}

// FaultHandle reports on and removes an installed rule.
type FaultHandle struct {
	set  *faultSet
	rule *faultRule
}

// Fired returns how many times the rule fired.
func (h *FaultHandle) Fired() int {
	h.set.mu.Lock()
	defer h.set.mu.Unlock()
	return h.rule.fired
}

// Remove uninstalls the rule.
func (h *FaultHandle) Remove() {
	h.set.mu.Lock()
	defer h.set.mu.Unlock()
	for i, r := range h.set.rules {
		if r == h.rule {
			h.set.rules = append(h.set.rules[:i], h.set.rules[i+1:]...)
			return
		}
	}
}

type faultRule struct {
	Fault
	seen, fired int
}

type faultSet struct {
	mu      sync.Mutex
	rules   []*faultRule
	latency time.Duration
	rng     *rand.Rand
}

// AddFault installs a rule; rules are evaluated in the order added.
func (d *Double) AddFault(f Fault) *FaultHandle {
	r := &faultRule{Fault: f}
	d.faults.mu.Lock()
	d.faults.rules = append(d.faults.rules, r)
	d.faults.mu.Unlock()
	return &FaultHandle{set: &d.faults, rule: r}
}

// ClearFaults removes every rule and the global latency.
func (d *Double) ClearFaults() {
	d.faults.mu.Lock()
	d.faults.rules = nil
	d.faults.latency = 0
	d.faults.mu.Unlock()
}

// SetLatency delays every request by l (on top of rule latencies).
func (d *Double) SetLatency(l time.Duration) {
	d.faults.mu.Lock()
	d.faults.latency = l
	d.faults.mu.Unlock()
}

// decision is what the fault rules make of one request.
type decision struct {
	latency time.Duration
	action  *Fault
}

func (s *faultSet) decide(method, p string) decision {
	s.mu.Lock()
	defer s.mu.Unlock()
	dec := decision{latency: s.latency}
	for _, r := range s.rules {
		if !r.matches(method, p) {
			continue
		}
		r.seen++
		if r.seen <= r.Skip || (r.Count > 0 && r.fired >= r.Count) {
			continue
		}
		if r.Probability > 0 && r.Probability < 1 && s.rng.Float64() >= r.Probability {
			continue
		}
		r.fired++
		dec.latency += r.Latency
		if dec.action == nil && (r.Status != 0 || r.Drop || r.DropBeforeApply) {
			f := r.Fault
			dec.action = &f
		}
	}
	return dec
}

func (r *faultRule) matches(method, p string) bool {
	if r.Method != "" && !strings.EqualFold(r.Method, method) {
		return false
	}
	if r.PathRegexp != nil {
		return r.PathRegexp.MatchString(p)
	}
	return MatchPath(r.Path, p)
}

// faultCodes are the error codes Graph sends with these statuses.
var faultCodes = map[int][2]string{
	http.StatusTooManyRequests:     {"TooManyRequests", "Too many requests. Please retry after the time in the Retry-After header."},
	http.StatusInternalServerError: {"generalException", "An internal server error occurred."},
	http.StatusBadGateway:          {"badGateway", "The server received an invalid response from an upstream server."},
	http.StatusServiceUnavailable:  {"serviceNotAvailable", "The service is temporarily unavailable. Please retry."},
	http.StatusGatewayTimeout:      {"gatewayTimeout", "The request timed out at the gateway."},
}

func writeFault(w http.ResponseWriter, f *Fault, now time.Time, clientRequestID string) {
	code, msg := faultCodes[f.Status][0], faultCodes[f.Status][1]
	if code == "" {
		code, msg = "UnknownError", http.StatusText(f.Status)
	}
	if f.Code != "" {
		code = f.Code
	}
	if f.Message != "" {
		msg = f.Message
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	writeError(w, f.Status, code, msg, now, clientRequestID)
}

// sleep waits d unless the client gives up first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// HTTP/2 or a wrapped writer: abort the stream instead.
	panic(http.ErrAbortHandler)
}
