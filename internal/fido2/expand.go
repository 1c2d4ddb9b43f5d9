package fido2

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// ExpandAction names the expansion in audit events.
const ExpandAction = "fido2.expand"

// JobQueue is the Fido2Job function: one fido2-jobs message is one page of
// a group (or one chunk of a userIds list). It records the page, sends
// every eligible user's creation options to fido2-pending, queues the next
// page, then marks the page done. A message for a page already done does
// nothing, so duplicates neither resend options nor fork the chain.
func (s *Service) JobQueue(ctx context.Context, msg *host.QueueMessage) (host.Outputs, error) {
	if s.Cfg.Disabled {
		return nil, s.refuseJob(ctx, "", errDisabled)
	}
	var j fido2msg.Job
	if err := fido2msg.DecodeJSON(msg.Body, fido2msg.TypeJob, &j); err != nil {
		return nil, s.refuseJob(ctx, j.JobID, err)
	}
	if err := j.Validate(); err != nil {
		return nil, s.refuseJob(ctx, j.JobID, fmt.Errorf("invalid job: %w", err))
	}
	job, err := s.ensureJob(ctx, j)
	if err != nil {
		return nil, s.refuseJob(ctx, j.JobID, err)
	}
	page, err := s.beginPage(ctx, j)
	if errors.Is(err, ledger.ErrBusy) {
		// Another delivery works this page: look again when its lease
		// ends, without spending this message's deliveries.
		return nil, s.sendJobLater(ctx, j, pageLease+time.Second)
	}
	if err != nil || page == nil {
		return nil, err
	}
	if err := s.workPage(ctx, j, job, page); err != nil {
		_ = ledger.Release(ctx, s.Pages, page, s.now()) // the redelivery need not wait
		return nil, err
	}
	return nil, nil
}

// errDisabled refuses work while the feature is off; the messages end in
// the poison queues, where they wait to be replayed once it is on.
var errDisabled = errors.New("bulk FIDO2 enrollment is off (FIDO2_ENABLED)")

// refuseJob audits a job message that cannot be worked and returns the
// error, so the host retries it and finally moves it to fido2-jobs-poison.
func (s *Service) refuseJob(ctx context.Context, jobID string, err error) error {
	s.Audit.Record(ctx, audit.Event{Action: ExpandAction, Outcome: audit.Failed, Reason: err.Error(),
		Correlation: host.InvocationID(ctx), Attrs: []slog.Attr{slog.String("job_id", jobID)}})
	return err
}

// ensureJob returns the job's record, creating it for a job put on the
// queue directly. A job id reused for another target is refused: its
// users' rows would mix two jobs.
func (s *Service) ensureJob(ctx context.Context, j fido2msg.Job) (*JobRecord, error) {
	rec := newJobRecord(j, s.now())
	if j.Page == 0 {
		err := s.Jobs.Insert(ctx, rec)
		if err == nil {
			return rec, nil
		}
		if !errors.Is(err, ledger.ErrExists) {
			return nil, fmt.Errorf("record the job: %w", err)
		}
	}
	got, err := s.Jobs.Get(ctx, rec.PartitionKey, rec.RowKey)
	if err != nil {
		return nil, fmt.Errorf("read the job: %w", err)
	}
	if got.GroupID != rec.GroupID || got.UserCount != rec.UserCount {
		return nil, errors.New("job id already used for another group or user list")
	}
	return got, nil
}

func newJobRecord(j fido2msg.Job, now time.Time) *JobRecord {
	rec := &JobRecord{
		GroupID: j.GroupID, UserCount: len(j.UserIDs), ChallengeTimeoutMinutes: j.ChallengeTimeoutMinutes,
		ReplaceExisting: j.ReplaceExisting, DisplayNameTemplate: j.DisplayNameTemplate,
		IncludeProtected: j.IncludeProtected, RequestedBy: j.RequestedBy, Created: now,
	}
	rec.PartitionKey, rec.RowKey = jobKeys(j.JobID)
	return rec
}

// pageLease is how long one delivery holds a page: longer than a page of
// 999 users takes under throttling, within the host's 5-minute limit.
const pageLease = 5 * time.Minute

// beginPage records the page and takes its lease, so one delivery at a
// time works it; nil when it is already done. A page another live
// delivery holds is an error: this message comes back later and finds it
// done.
func (s *Service) beginPage(ctx context.Context, j fido2msg.Job) (*PageRecord, error) {
	owner := host.InvocationID(ctx)
	if owner == "" {
		owner = uuid.NewString()
	}
	p := &PageRecord{Started: s.now()}
	p.LeaseOwner, p.LeaseUntil = owner, s.now().Add(pageLease)
	p.PartitionKey, p.RowKey = pageKeys(j.JobID, j.Run, j.Page)
	err := s.Pages.Insert(ctx, p)
	if errors.Is(err, ledger.ErrExists) {
		p, err = ledger.Claim(ctx, s.Pages, p.PartitionKey, p.RowKey, owner, pageLease, s.now,
			func(p *PageRecord) bool { return p.Done })
	}
	if err != nil {
		return nil, fmt.Errorf("record page %d: %w", j.Page, err)
	}
	return p, nil
}

// workPage enrolls the page's users, queues the next page and marks this
// one done. Any user whose options could not be sent for a reason other
// than Graph's answer (storage, the queue) fails the invocation: the
// message comes back and the page is worked again, skipping users done.
func (s *Service) workPage(ctx context.Context, j fido2msg.Job, job *JobRecord, page *PageRecord) error {
	users, follow, err := s.pageUsers(ctx, j)
	if err != nil {
		job.Failure = err.Error()
		_ = s.Jobs.Update(ctx, job) // best effort: the status shows why
		return s.refuseJob(ctx, j.JobID, fmt.Errorf("read page %d: %w", j.Page, err))
	}
	tally, err := s.enrollAll(ctx, j, job, users)
	if err != nil {
		return fmt.Errorf("page %d: %w", j.Page, err)
	}
	if follow != nil {
		if err := s.sendJob(ctx, *follow); err != nil {
			return fmt.Errorf("queue page %d: %w", follow.Page, err)
		}
	}
	page.Done, page.Users = true, len(users)
	page.LeaseOwner = ""
	if err := s.Pages.Update(ctx, page); err != nil && !errors.Is(err, ledger.ErrConflict) {
		return fmt.Errorf("mark page %d done: %w", j.Page, err)
	}
	if follow == nil {
		s.markExpanded(ctx, job)
	}
	s.auditPage(ctx, j, tally, follow == nil)
	return nil
}

// pageUsers reads the users of this message and the follow-up message,
// nil after the last page.
func (s *Service) pageUsers(ctx context.Context, j fido2msg.Job) ([]directory.User, *fido2msg.Job, error) {
	next := j
	next.Page, next.Before = j.Page+1, j.Before
	if j.GroupID != "" {
		users, link, err := s.Graph.GroupUsersPage(ctx, j.GroupID, j.Next)
		if err != nil || link == "" {
			return users, nil, err
		}
		next.Next, next.Before = link, j.Before+len(users)
		return users, &next, nil
	}
	end := min(j.Offset+s.userChunk(), len(j.UserIDs))
	users, err := s.lookUp(ctx, j.UserIDs[j.Offset:end])
	if err != nil || end == len(j.UserIDs) {
		return users, nil, err
	}
	next.Offset, next.Before = end, j.Before+(end-j.Offset)
	return users, &next, nil
}

// lookUp reads each listed user; one that does not exist becomes a user
// with only its id, which enrollment records as failed.
func (s *Service) lookUp(ctx context.Context, ids []string) ([]directory.User, error) {
	users := make([]directory.User, len(ids))
	err := s.each(ctx, len(ids), func(i int) error {
		u, err := s.Dir.User(ctx, ids[i])
		if errors.Is(err, directory.ErrNotFound) {
			users[i] = directory.User{ID: ids[i]}
			return nil
		}
		users[i] = u
		return err
	})
	return users, err
}

func (s *Service) sendJob(ctx context.Context, j fido2msg.Job) error {
	return s.sendJobLater(ctx, j, 0)
}

// sendJobLater queues a job message that stays invisible for delay.
func (s *Service) sendJobLater(ctx context.Context, j fido2msg.Job, delay time.Duration) error {
	text, err := fido2msg.Encode(fido2msg.NewJob(j))
	if err != nil {
		return err
	}
	if delay > 0 {
		return s.Queues.SendLater(ctx, fido2msg.QueueJobs, text, delay)
	}
	return s.Queues.Send(ctx, fido2msg.QueueJobs, text, 0)
}

// markExpanded records that the last page is done. A conflict means a
// duplicate did it meanwhile.
func (s *Service) markExpanded(ctx context.Context, job *JobRecord) {
	job.Expanded, job.ExpandedAt = true, s.now()
	if err := s.Jobs.Update(ctx, job); err != nil && !errors.Is(err, ledger.ErrConflict) {
		s.Log.WarnContext(ctx, "could not mark the job expanded", "job_id", job.RowKey, "err", err)
	}
}

// tally counts what a page did, by state.
type tally struct {
	mu     sync.Mutex
	states map[string]int
}

func (t *tally) add(state string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.states == nil {
		t.states = map[string]int{}
	}
	t.states[state]++
}

func (s *Service) auditPage(ctx context.Context, j fido2msg.Job, t *tally, last bool) {
	attrs := []slog.Attr{slog.String("job_id", j.JobID), slog.Int("page", j.Page), slog.Bool("last_page", last)}
	for state, n := range t.states {
		attrs = append(attrs, slog.Int(state, n))
	}
	s.Audit.Record(ctx, audit.Event{Action: ExpandAction, Outcome: audit.Succeeded, Caller: j.RequestedBy,
		Correlation: host.InvocationID(ctx), Attrs: attrs})
}

// each runs fn(0..n-1) with at most the configured concurrency and
// returns every error joined.
func (s *Service) each(ctx context.Context, n int, fn func(i int) error) error {
	sem := make(chan struct{}, s.concurrency())
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = fn(i)
		})
	}
	wg.Wait()
	return joinFew(errs)
}

// joinFew joins the distinct errors, at most five, so one storage outage
// over a page of 999 users reads as one line.
func joinFew(errs []error) error {
	var out []error
	seen := map[string]bool{}
	for _, err := range errs {
		if err == nil || seen[err.Error()] {
			continue
		}
		seen[err.Error()] = true
		if len(out) == 5 {
			out = append(out, errors.New("and more"))
			break
		}
		out = append(out, err)
	}
	return errors.Join(out...)
}

// reasonOf is Graph's reason for a failure, safe to show: status, code and
// message, never a request.
func reasonOf(err error) string {
	var de *directory.Error
	if errors.As(err, &de) {
		return strings.TrimPrefix(de.Error(), "graph ")
	}
	return err.Error()
}
