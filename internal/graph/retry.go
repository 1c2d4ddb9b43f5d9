package graph

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// RetryPolicy says how often and how long we wait on throttling and
// transient failures.
type RetryPolicy struct {
	MaxAttempts int           // total attempts, including the first
	BaseDelay   time.Duration // first backoff without Retry-After
	MaxDelay    time.Duration // cap for any single wait, Retry-After included
	// Sleep waits or returns the context's error; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 60 * time.Second
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	return p
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// safety says what may be repeated after a failure.
type safety int

const (
	// idempotent calls (reads, deletes, $ref removal) retry on 429, 503,
	// 504 and transport errors.
	idempotent safety = iota
	// once calls (TAP POST, sendMail) retry only on 429, which Graph sends
	// before doing anything. Any other failure may have been applied, and
	// becomes directory.ErrOutcomeUnknown for the caller to resolve.
	once
)

// do runs call under the policy and maps its final error.
func (c *Client) do(ctx context.Context, op string, s safety, call func(context.Context) error) error {
	p := c.retry
	for attempt := 1; ; attempt++ {
		if err := c.pace.wait(ctx); err != nil {
			return finalError(&callError{Op: op, canceled: true}, s, err)
		}
		err := call(ctx)
		if err == nil {
			c.pace.done(false)
			return nil
		}
		ge := classify(op, err)
		c.pace.done(ge.Status == http.StatusTooManyRequests)
		retry := retryable(ge, s)
		if !retry || attempt >= p.MaxAttempts || ctx.Err() != nil {
			return finalError(ge, s, err)
		}
		wait := p.delay(attempt, ge.retryAfter)
		c.log.WarnContext(ctx, "graph call retried", "op", op, "status", ge.Status, "attempt", attempt, "wait_ms", wait.Milliseconds())
		if err := p.Sleep(ctx, wait); err != nil {
			return errors.Join(finalError(ge, s, err), err)
		}
	}
}

func retryable(e *callError, s safety) bool {
	switch {
	case e.Status == http.StatusTooManyRequests:
		return true
	case s == once:
		return false
	case e.Status == http.StatusServiceUnavailable, e.Status == http.StatusGatewayTimeout:
		return true
	default:
		return e.Status == 0 && !e.canceled // transport error on an idempotent call
	}
}

func finalError(e *callError, s safety, cause error) error {
	out := &directory.Error{Op: e.Op, Status: e.Status, Code: e.Code, Message: e.Message}
	switch {
	case e.canceled:
		if s == once { // cancelled in flight: it may have been applied
			out.Kind = directory.ErrOutcomeUnknown
		}
		return errors.Join(out, cause)
	case e.Status == http.StatusNotFound:
		out.Kind = directory.ErrNotFound
	case e.Status == http.StatusBadRequest && defaultMethodRefusal.MatchString(e.Message):
		out.Kind = directory.ErrDefaultMethod
	case e.Status == http.StatusBadRequest && orderRefusal(e.Message):
		out.Kind = directory.ErrDeleteOrder
	case e.Status == http.StatusBadRequest && e.Code == "Request_UnsupportedQuery":
		out.Kind = directory.ErrUnsupportedQuery
	case e.Status == http.StatusTooManyRequests:
		out.Kind = directory.ErrThrottled
	case s == once && (e.Status == 0 || e.Status >= 500):
		out.Kind = directory.ErrOutcomeUnknown
	case e.Status == 0 || e.Status >= 500:
		out.Kind = directory.ErrUnavailable
	}
	if e.Status == 0 && out.Message == "" {
		out.Message = "no answer: " + transportSummary(cause)
	}
	return out
}

// Graph words the default-method refusal two ways: "Cannot delete default
// method with other methods configured" and "...matches the user's current
// default authentication method, and cannot be deleted until the default
// authentication method is changed" (microsoft-graph-docs-contrib issues
// #2913, #1888).
var defaultMethodRefusal = regexp.MustCompile(`(?i)\bdefault (authentication )?method\b`)

// orderRefusals are the shapes of a 400 that refuses a change until another
// is made: "The mobile phone method cannot be deleted while an
// alternateMobile phone method exists", "A user can't have an
// alternateMobile number without a mobile number", "delete the alternate
// mobile phone first", "first update the mobile number, then delete...".
// Matching the shape rather than one sentence lets an ordering rule we do
// not know yet be re-planned instead of failing the reset.
var orderRefusals = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(cannot|can't|can ?not|unable to)\b[^.]*\bdelet(e|ed|ing|ion)\b[^.]*\b(while|until|before)\b`),
	regexp.MustCompile(`(?i)\b(cannot|can't|can ?not)\b[^.]*\bhave\b[^.]*\bwithout\b`),
	regexp.MustCompile(`(?i)\bdelete\b[^.]*\bfirst\b|\bfirst\b[^.]*\bthen delete\b`),
}

func orderRefusal(msg string) bool {
	for _, re := range orderRefusals {
		if re.MatchString(msg) {
			return true
		}
	}
	return false
}

// delay honours Retry-After (capped) or backs off exponentially with
// jitter, so a burst of workers does not return in lockstep.
func (p RetryPolicy) delay(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, p.MaxDelay)
	}
	d := p.BaseDelay << (attempt - 1)
	if d <= 0 || d > p.MaxDelay {
		d = p.MaxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// parseRetryAfter reads seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
