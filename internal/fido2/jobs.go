package fido2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// JobsAction names the HTTP endpoint in audit events.
const JobsAction = "fido2.jobs"

// Route is Fido2Jobs' route: POST fido2/jobs, GET fido2/jobs/{id},
// POST fido2/jobs/{id}/rerun. A catch-all, because ASP.NET routing lets
// only the last segment of a template be optional.
const Route = "fido2/jobs/{*rest}"

// JobRequest is the body of POST /api/fido2/jobs.
type JobRequest struct {
	GroupID                 string   `json:"groupId"`
	UserIDs                 []string `json:"userIds"`
	ChallengeTimeoutMinutes int      `json:"challengeTimeoutMinutes"`
	ReplaceExisting         bool     `json:"replaceExisting"`
	DisplayNameTemplate     string   `json:"displayNameTemplate"`
	IncludeProtected        bool     `json:"includeProtected"`
}

// DefaultChallengeMinutes is a job's challenge lifetime when the request
// names none: a working day at the desk.
const DefaultChallengeMinutes = 1440

// HTTP is the Fido2Jobs function (the caller's token is verified before).
func (s *Service) HTTP(ctx context.Context, req *host.HTTPRequest) *host.HTTPResponse {
	if s.Cfg.Disabled {
		return host.Error(http.StatusServiceUnavailable, "not_enabled", errDisabled.Error())
	}
	id, action, _ := strings.Cut(strings.Trim(req.Params["rest"], "/"), "/")
	switch {
	case req.Method == http.MethodPost && id == "":
		return s.create(ctx, req)
	case req.Method == http.MethodGet && id != "" && action == "" && !strings.Contains(id, "/"):
		return s.status(ctx, id)
	case req.Method == http.MethodPost && id != "" && action == "rerun":
		return s.rerun(ctx, req, id)
	}
	return host.Error(http.StatusNotFound, "not_found", "use POST fido2/jobs, GET fido2/jobs/{id} or POST fido2/jobs/{id}/rerun")
}

func callerOf(ctx context.Context) string {
	if c, ok := callerauth.FromContext(ctx); ok {
		return c.AppID
	}
	return ""
}

// create validates a job, records it and queues its first page.
func (s *Service) create(ctx context.Context, req *host.HTTPRequest) *host.HTTPResponse {
	if !req.IsJSON() {
		return host.Error(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the job as application/json")
	}
	var body JobRequest
	dec := json.NewDecoder(strings.NewReader(string(req.Body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return host.Error(http.StatusBadRequest, "invalid_job", "body: "+err.Error())
	}
	if body.ChallengeTimeoutMinutes == 0 {
		body.ChallengeTimeoutMinutes = DefaultChallengeMinutes
	}
	j := fido2msg.NewJob(fido2msg.Job{
		JobID: uuid.NewString(), GroupID: body.GroupID, UserIDs: body.UserIDs,
		ChallengeTimeoutMinutes: body.ChallengeTimeoutMinutes, ReplaceExisting: body.ReplaceExisting,
		DisplayNameTemplate: body.DisplayNameTemplate, IncludeProtected: body.IncludeProtected, RequestedBy: callerOf(ctx),
	})
	if err := j.Validate(); err != nil {
		return host.Error(http.StatusBadRequest, "invalid_job", err.Error())
	}
	if err := s.Jobs.Insert(ctx, newJobRecord(j, s.now())); err != nil {
		return host.Error(http.StatusServiceUnavailable, "not_queued", "the job could not be recorded; retry")
	}
	if err := s.sendJob(ctx, j); err != nil {
		return host.Error(http.StatusServiceUnavailable, "not_queued", "the job could not be queued; retry")
	}
	s.auditJob(ctx, j, "queued")
	return host.JSON(http.StatusAccepted, map[string]any{
		"jobId": j.JobID, "status": "queued", "statusUrl": "/api/fido2/jobs/" + j.JobID,
	})
}

// rerun queues the job again under a new run number: users whose earlier
// run failed or whose challenge expired are retried, others left alone.
func (s *Service) rerun(ctx context.Context, req *host.HTTPRequest, id string) *host.HTTPResponse {
	rec, err := s.Jobs.Get(ctx, jobKeysPK(), id)
	if errors.Is(err, ledger.ErrNotFound) {
		return host.Error(http.StatusNotFound, "unknown_job", "no job "+id)
	}
	if err != nil {
		return host.Error(http.StatusServiceUnavailable, "unavailable", "the job could not be read; retry")
	}
	if !rec.Expanded {
		return host.Error(http.StatusConflict, "job_running", "the job is still being expanded; re-run it when it is done")
	}
	if rec.UserCount > 0 {
		return host.Error(http.StatusConflict, "resubmit", "a userIds job is re-run by submitting the ids again")
	}
	rec.Run++
	rec.Expanded = false
	if err := s.Jobs.Update(ctx, rec); err != nil {
		return host.Error(http.StatusConflict, "job_changed", "the job changed meanwhile; read its status and retry")
	}
	j := fido2msg.NewJob(jobFromRecord(rec))
	if err := s.sendJob(ctx, j); err != nil {
		return host.Error(http.StatusServiceUnavailable, "not_queued", "the re-run could not be queued; retry")
	}
	s.auditJob(ctx, j, "re-run queued")
	return host.JSON(http.StatusAccepted, map[string]any{"jobId": id, "run": rec.Run, "status": "queued"})
}

func jobKeysPK() string { pk, _ := jobKeys(""); return pk }

// jobFromRecord rebuilds the first page's message of a group job.
func jobFromRecord(rec *JobRecord) fido2msg.Job {
	return fido2msg.Job{
		JobID: rec.RowKey, GroupID: rec.GroupID, ChallengeTimeoutMinutes: rec.ChallengeTimeoutMinutes,
		ReplaceExisting: rec.ReplaceExisting, DisplayNameTemplate: rec.DisplayNameTemplate,
		IncludeProtected: rec.IncludeProtected, RequestedBy: rec.RequestedBy, Run: rec.Run,
	}
}

func (s *Service) auditJob(ctx context.Context, j fido2msg.Job, what string) {
	target := "group " + j.GroupID
	if j.GroupID == "" {
		target = fmt.Sprintf("%d users", len(j.UserIDs))
	}
	s.Audit.Record(ctx, audit.Event{Action: JobsAction, Outcome: audit.Succeeded, Caller: j.RequestedBy,
		Reason: what, Correlation: host.InvocationID(ctx), Attrs: []slog.Attr{
			slog.String("job_id", j.JobID), slog.String("target", target), slog.Int("run", j.Run),
			slog.Int("challenge_timeout_minutes", j.ChallengeTimeoutMinutes), slog.Bool("replace_existing", j.ReplaceExisting),
		}})
}
