package graph

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

func apiErr(status int, retryAfter string) error {
	e := abs.NewApiError()
	e.ResponseStatusCode = status
	if retryAfter != "" {
		e.ResponseHeaders.Add("Retry-After", retryAfter)
	}
	return e
}

// script returns a call that fails with errs in order, then succeeds.
func script(errs ...error) (func(context.Context) error, *int) {
	n := 0
	return func(context.Context) error {
		n++
		if n <= len(errs) {
			return errs[n-1]
		}
		return nil
	}, &n
}

func testClient(waits *[]time.Duration) *Client {
	p := RetryPolicy{MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: 10 * time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { *waits = append(*waits, d); return nil }}
	return &Client{retry: p.withDefaults(), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestRetryPolicy(t *testing.T) {
	netErr := errors.New("dial tcp: connection reset")
	cases := []struct {
		name      string
		safety    safety
		errs      []error
		wantCalls int
		wantKind  error // nil: success
		wantWaits []time.Duration
	}{
		{"idempotent retries 503 and 504", idempotent, []error{apiErr(503, ""), apiErr(504, "1")}, 3, nil, nil},
		{"429 honours Retry-After", once, []error{apiErr(429, "7")}, 2, nil, []time.Duration{7 * time.Second}},
		{"Retry-After is capped", idempotent, []error{apiErr(429, "3600")}, 2, nil, []time.Duration{10 * time.Second}},
		{"once never repeats after 503", once, []error{apiErr(503, "")}, 1, directory.ErrOutcomeUnknown, []time.Duration{}},
		{"once never repeats after a lost answer", once, []error{netErr}, 1, directory.ErrOutcomeUnknown, []time.Duration{}},
		{"idempotent repeats after a lost answer", idempotent, []error{netErr}, 2, nil, nil},
		{"404 is final", idempotent, []error{apiErr(404, "")}, 1, directory.ErrNotFound, []time.Duration{}},
		{"400 is final", idempotent, []error{apiErr(400, "")}, 1, nil, []time.Duration{}},
		{"throttled to the end", idempotent, []error{apiErr(429, "1"), apiErr(429, "1"), apiErr(429, "1"), apiErr(429, "1")}, 4, directory.ErrThrottled, []time.Duration{time.Second, time.Second, time.Second}},
		{"unavailable to the end", idempotent, []error{apiErr(503, "2"), apiErr(503, "2"), apiErr(503, "2"), apiErr(503, "2")}, 4, directory.ErrUnavailable, []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var waits []time.Duration
			c := testClient(&waits)
			call, n := script(tc.errs...)
			err := c.do(context.Background(), "op", tc.safety, call)
			if *n != tc.wantCalls {
				t.Errorf("calls = %d, want %d", *n, tc.wantCalls)
			}
			switch {
			case tc.wantKind == nil && tc.name == "400 is final":
				var de *directory.Error
				if !errors.As(err, &de) || de.Status != 400 || de.Kind != nil {
					t.Errorf("err = %v", err)
				}
			case tc.wantKind == nil && err != nil:
				t.Errorf("err = %v", err)
			case tc.wantKind != nil && !errors.Is(err, tc.wantKind):
				t.Errorf("err = %v, want kind %v", err, tc.wantKind)
			}
			if tc.wantWaits != nil && !equalDurations(waits, tc.wantWaits) {
				t.Errorf("waits = %v, want %v", waits, tc.wantWaits)
			}
		})
	}
}

func TestBackoffWithoutRetryAfterGrowsAndIsCapped(t *testing.T) {
	p := RetryPolicy{BaseDelay: time.Second, MaxDelay: 5 * time.Second}.withDefaults()
	for attempt, max := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 5 * time.Second, 40: 5 * time.Second} {
		for range 50 {
			d := p.delay(attempt, 0)
			if d < max/2 || d > max {
				t.Fatalf("attempt %d: delay %v outside [%v, %v]", attempt, d, max/2, max)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if d := parseRetryAfter("12", now); d != 12*time.Second {
		t.Errorf("seconds: %v", d)
	}
	if d := parseRetryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now); d != 90*time.Second {
		t.Errorf("date: %v", d)
	}
	for _, v := range []string{"", "soon", "-3", now.Add(-time.Minute).Format(http.TimeFormat)} {
		if d := parseRetryAfter(v, now); d != 0 {
			t.Errorf("%q: %v", v, d)
		}
	}
}

func TestCanceledContextStopsRetrying(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := RetryPolicy{MaxAttempts: 5, Sleep: func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }}
	c := &Client{retry: p.withDefaults(), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	call, n := script(apiErr(503, ""), apiErr(503, ""))
	err := c.do(ctx, "op", idempotent, call)
	if *n != 1 || !errors.Is(err, context.Canceled) {
		t.Errorf("calls %d err %v", *n, err)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A 400 is classified by what it refuses: the default method and other
// ordering rules are re-planned by the reset, anything else fails as is.
func TestBadRequestKinds(t *testing.T) {
	cases := []struct {
		msg  string
		want error
	}{
		{"Cannot delete default method with other methods configured. Please change default method before deletion.", directory.ErrDefaultMethod},
		{"The phone number matches the user's current default authentication method, and cannot be deleted until the default authentication method is changed.", directory.ErrDefaultMethod},
		{"The mobile phone method cannot be deleted while an alternateMobile phone method exists.", directory.ErrDeleteOrder},
		{"A user can't have an alternateMobile number without a mobile number. If you want to remove a mobile number from a user that also has an alternateMobile number, first update the mobile number to the new number, then delete the alternateMobile number.", directory.ErrDeleteOrder},
		{"Cannot delete the mobile phone while an alternate mobile phone is registered. Update the mobile phone or delete the alternate mobile phone first.", directory.ErrDeleteOrder},
		{"Unable to delete this key before the passkey profile is updated.", directory.ErrDeleteOrder},
		{"Invalid phone number. Phone numbers must be in the format '+{country code} {number}x{extension}', for example '+1 2065555555'.", nil},
		{"A phone method of type 'mobile' already exists for this user. Update or delete it instead.", nil},
		{"The phoneType of an existing phone method cannot be changed. Add a new method and delete this one.", nil},
		{"An alternate mobile phone requires a mobile phone. Add the mobile phone first.", nil},
		{"Invalid request.", nil},
	}
	for _, c := range cases {
		err := finalError(&callError{Op: "delete phone method", Status: http.StatusBadRequest, Message: c.msg}, idempotent, nil)
		var de *directory.Error
		if !errors.As(err, &de) || de.Kind != c.want {
			t.Errorf("%q: kind %v, want %v", c.msg, de.Kind, c.want)
		}
	}
	// The same words with another status are not a refusal of the order.
	err := finalError(&callError{Op: "delete phone method", Status: http.StatusForbidden, Message: cases[2].msg}, idempotent, nil)
	if errors.Is(err, directory.ErrDeleteOrder) {
		t.Errorf("403 classified as an ordering refusal: %v", err)
	}
}
