// Package audit writes one structured event per decision, for Application
// Insights or a SIEM: who asked, about whom, what happened and why. Events
// never carry a pass, a token or a full phone number; callers pass ids and
// method types, and redact.Secret values print as [REDACTED] regardless.
package audit

import (
	"context"
	"log/slog"
)

// Outcomes shared by every workflow.
const (
	Succeeded = "succeeded"
	Refused   = "refused"
	Failed    = "failed"
)

// Event is one audited decision.
type Event struct {
	Action   string // e.g. "newhire.tap"
	Outcome  string // Succeeded, Refused or Failed
	Reason   string // why, for refusals and failures
	TargetID string // the user acted on (object id)
	Caller   string // calling application id
	// Correlation ties the event to an invocation or request id.
	Correlation string
	Attrs       []slog.Attr
}

// Log emits events to a structured logger.
type Log struct{ log *slog.Logger }

// New returns an audit log writing through l.
func New(l *slog.Logger) *Log { return &Log{log: l} }

// Record writes e as one log line with an "audit" group.
func (a *Log) Record(ctx context.Context, e Event) {
	attrs := []any{
		slog.String("action", e.Action),
		slog.String("outcome", e.Outcome),
	}
	add := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	add("reason", e.Reason)
	add("target_id", e.TargetID)
	add("caller_app_id", e.Caller)
	add("correlation_id", e.Correlation)
	for _, at := range e.Attrs {
		attrs = append(attrs, at)
	}
	level := slog.LevelInfo
	if e.Outcome == Failed {
		level = slog.LevelWarn
	}
	a.log.Log(ctx, level, "audit", slog.Group("audit", attrs...))
}
