package fido2

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// Status is what GET /api/fido2/jobs/{id} answers.
type Status struct {
	JobID     string    `json:"jobId"`
	GroupID   string    `json:"groupId,omitempty"`
	UserCount int       `json:"userCount,omitempty"`
	Run       int       `json:"run"`
	Created   time.Time `json:"created"`
	// Expanding is true until the last page of the latest run is worked.
	Expanding bool   `json:"expanding"`
	Failure   string `json:"failure,omitempty"`
	Counts    Counts `json:"counts"`
	// Problems lists the users not enrolled and why (at most MaxProblems).
	Problems []Problem `json:"problems,omitempty"`
	// ProblemsOmitted counts those left out of Problems.
	ProblemsOmitted int `json:"problemsOmitted,omitempty"`
}

// Counts are users by state. Pending counts only live challenges; a
// pending user whose challenge ran out counts as expired.
type Counts struct {
	Queued     int `json:"queued"`
	Pending    int `json:"pendingAtDesk"`
	Written    int `json:"written"`
	Registered int `json:"registered"`
	Skipped    int `json:"skipped"`
	Failed     int `json:"failed"`
	Expired    int `json:"expired"`
	Total      int `json:"total"`
}

// Problem is a user who was skipped, failed or expired.
type Problem struct {
	UserID string `json:"userId"`
	UPN    string `json:"userPrincipalName,omitempty"`
	State  string `json:"state"`
	Reason string `json:"reason"`
}

// MaxProblems bounds the problems listed in one status answer.
const MaxProblems = 200

func (s *Service) status(ctx context.Context, id string) *host.HTTPResponse {
	st, err := s.Status(ctx, id)
	if errors.Is(err, ledger.ErrNotFound) {
		return host.Error(http.StatusNotFound, "unknown_job", "no job "+id)
	}
	if err != nil {
		return host.Error(http.StatusServiceUnavailable, "unavailable", "the job could not be read; retry")
	}
	return host.JSON(http.StatusOK, st)
}

// Status reads a job and counts its users.
func (s *Service) Status(ctx context.Context, id string) (Status, error) {
	rec, err := s.Jobs.Get(ctx, jobKeysPK(), id)
	if err != nil {
		return Status{}, err
	}
	rows, err := s.Users.List(ctx, userPartition(id))
	if err != nil {
		return Status{}, err
	}
	st := Status{JobID: id, GroupID: rec.GroupID, UserCount: rec.UserCount, Run: rec.Run, Created: rec.Created,
		Expanding: !rec.Expanded, Failure: rec.Failure}
	now := s.now()
	sort.Slice(rows, func(i, j int) bool { return rows[i].Index < rows[j].Index })
	for _, r := range rows {
		state := r.State
		if state == StatePending && now.After(r.ChallengeExpires) {
			state = StateExpired
		}
		st.Counts.add(state)
		if state == StateSkipped || state == StateFailed || state == StateExpired {
			st.addProblem(Problem{UserID: r.RowKey, UPN: r.UPN, State: state, Reason: problemReason(state, r.Reason)})
		}
	}
	return st, nil
}

func problemReason(state, reason string) string {
	if reason == "" && state == StateExpired {
		return "the challenge expired before a key was registered"
	}
	return reason
}

func (c *Counts) add(state string) {
	c.Total++
	switch state {
	case StateQueued:
		c.Queued++
	case StatePending:
		c.Pending++
	case StateWritten:
		c.Written++
	case StateRegistered:
		c.Registered++
	case StateSkipped:
		c.Skipped++
	case StateFailed:
		c.Failed++
	case StateExpired:
		c.Expired++
	}
}

func (st *Status) addProblem(p Problem) {
	if len(st.Problems) >= MaxProblems {
		st.ProblemsOmitted++
		return
	}
	st.Problems = append(st.Problems, p)
}
