// Package fido2 is bulk FIDO2 enrollment on behalf of users, function
// side: Fido2Jobs (HTTP) accepts a job, Fido2Job (queue fido2-jobs)
// expands it a page at a time into one creation-options message per user
// on fido2-pending for the desk tool, and Fido2Register (queue
// fido2-results) registers the keys the desk wrote. The ledger has a row
// per job, page and user, so a redelivered or duplicated message never
// sends a user's options twice and a job's status is one query.
package fido2

import (
	"context"
	"log/slog"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
)

// Queues is how the workflow puts messages on queues: text is already
// encoded (fido2msg.Encode); ttl > 0 drops the message after it; SendLater
// hides it for delay.
type Queues interface {
	Send(ctx context.Context, queue, text string, ttl time.Duration) error
	SendLater(ctx context.Context, queue, text string, delay time.Duration) error
}

// Config tunes the workflow (config.Fido2 in the app).
type Config struct {
	// Disabled refuses every job and result (FIDO2_ENABLED unset): the
	// identity may not hold the permission the beta API needs.
	Disabled bool
	// Concurrency is how many users of a page are worked at once.
	Concurrency int
	// UserChunk is how many ids of a userIds job one invocation works.
	UserChunk int
	// RefreshExpired queues fresh creation options for a user whose
	// challenge expired before their key was registered.
	RefreshExpired bool
	// MaxDequeueCount is host.json's: the last failing delivery of a
	// result records the failure before the message goes to poison.
	MaxDequeueCount int64
	// Stale is how long a user row may stay queued before another
	// delivery takes it over (its worker died between record and send).
	Stale time.Duration
}

// UserReader looks users up (the ids of a userIds job).
type UserReader interface {
	User(ctx context.Context, idOrUPN string) (directory.User, error)
}

// Service holds what the three functions share.
type Service struct {
	Graph  directory.Fido2
	Dir    UserReader
	Guard  guard.Guard // refuses protected accounts unless a job includes them
	Jobs   *JobTable
	Pages  *PageTable
	Users  *UserTable
	Queues Queues
	Cfg    Config
	Audit  *audit.Log
	Now    func() time.Time
	Log    *slog.Logger
}

func (s *Service) now() time.Time { return s.Now().UTC() }

func (s *Service) concurrency() int {
	if s.Cfg.Concurrency > 0 {
		return s.Cfg.Concurrency
	}
	return 64
}

func (s *Service) userChunk() int {
	if s.Cfg.UserChunk > 0 {
		return s.Cfg.UserChunk
	}
	return 500
}

func (s *Service) stale() time.Duration {
	if s.Cfg.Stale > 0 {
		return s.Cfg.Stale
	}
	return 2 * time.Minute
}
