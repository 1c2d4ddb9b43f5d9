package graph

import (
	"context"
	"errors"
	"net"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// callError is what we learn from one failed SDK call.
type callError struct {
	Op         string
	Status     int // 0: no HTTP answer
	Code       string
	Message    string
	retryAfter time.Duration
	canceled   bool
}

func classify(op string, err error) *callError {
	e := &callError{Op: op}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		e.canceled = true
		return e
	}
	var apiErr abs.ApiErrorable
	if errors.As(err, &apiErr) {
		e.Status = apiErr.GetStatusCode()
		if h := apiErr.GetResponseHeaders(); h != nil {
			if v := h.Get("Retry-After"); len(v) > 0 {
				e.retryAfter = parseRetryAfter(v[0], time.Now())
			}
		}
	}
	var od *odataerrors.ODataError
	if errors.As(err, &od) {
		if main := od.GetErrorEscaped(); main != nil {
			e.Code = deref(main.GetCode())
			e.Message = deref(main.GetMessage())
		}
	}
	return e
}

// transportSummary names a transport failure without echoing URLs, which
// can carry user principal names and query strings.
func transportSummary(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	default:
		return "connection failed"
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
