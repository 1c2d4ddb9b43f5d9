package desk

import (
	"context"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/ceremony"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/journal"
)

// Preview statuses of a dry run.
const (
	PreviewReady      = "ready"
	PreviewExpired    = "expired"
	PreviewDuplicate  = "duplicate"
	PreviewUnreadable = "unreadable"
)

// Preview is what a run would do with one message.
type Preview struct {
	Status string
	Reason string
	Item   Item
}

// Preview peeks at up to 32 waiting messages and says what a run would do
// with each, changing nothing: no lease, no key, no queue write.
func (r *Runner) Preview(ctx context.Context) ([]Preview, error) {
	texts, err := r.Queues.peek(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Preview, 0, len(texts))
	for _, text := range texts {
		out = append(out, r.preview(text))
	}
	return out, nil
}

func (r *Runner) preview(text string) Preview {
	var p fido2msg.Pending
	err := fido2msg.DecodeText(text, fido2msg.TypePending, &p)
	if err == nil {
		err = p.Validate()
	}
	var req ceremony.Request
	if err == nil {
		req, _, err = ceremony.Parse(p)
	}
	it := Item{JobID: p.JobID, Index: p.Index, UserID: p.User.ID, UPN: p.User.UPN, DisplayName: p.User.DisplayName, Expires: req.Expires}
	switch {
	case err != nil:
		return Preview{Status: PreviewUnreadable, Reason: err.Error(), Item: it}
	case r.Journal != nil && r.Journal.Duplicate(p, journal.ChallengeHash(req.Challenge)) != nil:
		return Preview{Status: PreviewDuplicate, Reason: "already written (journal)", Item: it}
	case req.Expired(r.now(), r.Settings.ExpiryMargin):
		return Preview{Status: PreviewExpired, Reason: "challenge expired at " + req.Expires.UTC().Format(time.RFC3339), Item: it}
	}
	return Preview{Status: PreviewReady, Item: it}
}
