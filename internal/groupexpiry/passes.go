package groupexpiry

import (
	"errors"
	"log/slog"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// deletePasses deletes the Temporary Access Passes a user still has once
// their window is over (CA_GROUP_EXPIRY_DELETE_TAP). A pass is one-time
// and short-lived anyway; this closes the gap when the user never spent
// it. It reports false when the next run must try again. Pass values are
// never read: Graph returns them only when a pass is created.
func (r *run) deletePasses(userID string) bool {
	if !r.t.Cfg.DeleteTAP {
		return true
	}
	methods, err := r.t.Passes.ListMethods(r.ctx, userID)
	if errors.Is(err, directory.ErrNotFound) {
		return true // the user is gone, and their passes with them
	}
	if err != nil {
		r.failed("groupexpiry.tap", userID, "could not list methods to delete a remaining pass; the next run retries: "+err.Error())
		return false
	}
	ok := true
	for _, m := range methods {
		if m.Type != directory.MethodTAP {
			continue
		}
		err := r.t.Passes.DeleteTAP(r.ctx, userID, m.ID)
		if err != nil && !errors.Is(err, directory.ErrNotFound) {
			r.failed("groupexpiry.tap", userID, "could not delete a remaining pass; the next run retries: "+err.Error(),
				slog.String("tap_id", m.ID))
			ok = false
			continue
		}
		r.stats.passesDeleted.Add(1)
		r.record("groupexpiry.tap", audit.Succeeded, userID, "window over: remaining Temporary Access Pass deleted", slog.String("tap_id", m.ID))
	}
	return ok
}
