package mfareset

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/callout"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// IntakeAction names the callout in audit events.
const IntakeAction = "mfareset.callout"

// Intake is the AccessPackageCallout function. Entitlement Management
// waits at most 2 s and retries once, so it only records and queues.
type Intake struct {
	Ledger  *Ledger
	Enqueue func(ctx context.Context, j Job) error
	Stages  []string
	Audit   *audit.Log
	Now     func() time.Time
	// Settle is how long a duplicate waits for the first delivery to queue
	// its job before queueing it itself (the first may have crashed).
	Settle time.Duration
}

// HTTP serves POST /api/callouts/access-package.
func (in *Intake) HTTP(ctx context.Context, req *host.HTTPRequest) *host.HTTPResponse {
	ev := audit.Event{Action: IntakeAction, Correlation: host.InvocationID(ctx)}
	if c, ok := callerauth.FromContext(ctx); ok {
		ev.Caller = c.AppID
	}
	resp, c := in.serve(ctx, req)
	ev.TargetID = c.TargetObjectID
	ev.Attrs = requestAttrs(c.RequestID, c.StageInstanceID, c.RequestorObjectID)
	ev.Outcome, ev.Reason = outcomeOf(resp)
	in.Audit.Record(ctx, ev)
	return resp
}

func (in *Intake) serve(ctx context.Context, req *host.HTTPRequest) (*host.HTTPResponse, callout.Callout) {
	if !req.IsJSON() {
		return host.Error(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the callout as application/json"), callout.Callout{}
	}
	c, err := callout.Parse(req.Body)
	if err != nil {
		return host.Error(http.StatusBadRequest, "invalid_callout", err.Error()), c
	}
	if c.ConnectionTest {
		return host.JSON(http.StatusOK, map[string]string{"status": "connection test accepted"}), c
	}
	if err := c.Validate(in.Stages); err != nil {
		return host.Error(http.StatusBadRequest, "invalid_callout", err.Error()), c
	}
	status, err := in.record(ctx, c)
	if err != nil {
		return host.Error(http.StatusServiceUnavailable, "not_queued", "the request could not be recorded; retry: "+err.Error()), c
	}
	return host.JSON(http.StatusAccepted, map[string]string{"status": status}), c
}

// record inserts the ledger row if absent and queues its job. Of several
// identical callouts, the one whose insert wins queues; the others answer
// 202 without queueing, unless the winner never got the job queued.
func (in *Intake) record(ctx context.Context, c callout.Callout) (string, error) {
	rec := newRecord(c, in.Now().UTC())
	err := in.Ledger.Insert(ctx, rec)
	if errors.Is(err, ledger.ErrExists) {
		return in.duplicate(ctx, rec.PartitionKey, rec.RowKey)
	}
	if err != nil {
		return "", err
	}
	return "queued", in.queue(ctx, rec)
}

// queue puts the job on the queue and marks the record queued. A failed
// mark is harmless: the worker treats a received record as queued.
func (in *Intake) queue(ctx context.Context, rec *Record) error {
	if err := in.Enqueue(ctx, rec.job()); err != nil {
		return err
	}
	rec.Step, rec.Updated = StepQueued, in.Now().UTC()
	if err := in.Ledger.Update(ctx, rec); err != nil && !errors.Is(err, ledger.ErrConflict) {
		return err
	}
	return nil
}

// duplicate answers a replay: nothing new is queued while the first
// delivery is alive or done. A record still "received" after Settle means
// the first delivery died between insert and enqueue, so this one queues;
// the ETag makes only one replay do so.
func (in *Intake) duplicate(ctx context.Context, pk, rk string) (string, error) {
	deadline := in.Now().Add(in.Settle)
	for {
		rec, err := in.Ledger.Get(ctx, pk, rk)
		if err != nil {
			return "", err
		}
		if rec.Step != StepReceived {
			return "already received", nil
		}
		if in.Now().After(deadline) && in.Now().Sub(rec.Created) > in.Settle {
			return in.takeOver(ctx, rec)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return "", err
		}
	}
}

// takeOver claims the record with its ETag, then queues; if queueing
// fails the claim is undone so a later replay can try again.
func (in *Intake) takeOver(ctx context.Context, rec *Record) (string, error) {
	rec.Step, rec.Updated = StepQueued, in.Now().UTC()
	if err := in.Ledger.Update(ctx, rec); errors.Is(err, ledger.ErrConflict) {
		return "already received", nil
	} else if err != nil {
		return "", err
	}
	if err := in.Enqueue(ctx, rec.job()); err != nil {
		rec.Step = StepReceived
		_ = in.Ledger.Update(ctx, rec) // best effort; the error below is what matters
		return "", err
	}
	return "queued", nil
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

// outcomeOf maps an answer onto the audit outcome.
func outcomeOf(resp *host.HTTPResponse) (string, string) {
	switch {
	case resp.StatusCode < 300:
		return audit.Succeeded, ""
	case resp.StatusCode < 500:
		return audit.Refused, string(resp.Body)
	default:
		return audit.Failed, string(resp.Body)
	}
}

// requestAttrs are the ids every reset audit event carries.
func requestAttrs(requestID, stageInstanceID, requestorID string) []slog.Attr {
	var attrs []slog.Attr
	for _, kv := range [][2]string{{"request_id", requestID}, {"stage_instance_id", stageInstanceID}, {"requestor_id", requestorID}} {
		if kv[1] != "" {
			attrs = append(attrs, slog.String(kv[0], kv[1]))
		}
	}
	return attrs
}
