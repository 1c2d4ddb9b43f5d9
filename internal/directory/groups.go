package directory

import (
	"context"
	"time"
)

// MemberKind tells what a group member is. Only users are ever removed by
// the expiry timer; a nested group or another object (a device, a service
// principal) is reported instead.
type MemberKind string

// Member kinds.
const (
	MemberUser  MemberKind = "user"
	MemberGroup MemberKind = "group"
	MemberOther MemberKind = "other"
)

// Member is one direct member of a group.
type Member struct {
	ID   string
	Kind MemberKind
	// Type is Graph's @odata.type without "#microsoft.graph." (user, group,
	// device, servicePrincipal, orgContact), for reports.
	Type string
}

// AddAudit is one successful "Add member to group" entry of the directory
// audit log: who was added to the group, and when.
type AddAudit struct {
	MemberID string
	At       time.Time
}

// AddLog is what one read of the audit log found for a group.
type AddLog struct {
	Adds []AddAudit
	// Complete is false when the page budget ran out before the end of the
	// log (the oldest entries were not read).
	Complete bool
	// Queries counts the requests made (pages, not retries).
	Queries int
}

// GroupMembers is what the temporary CA group expiry timer needs from
// Graph. It is deliberately narrower than Directory: the timer cannot touch
// methods except through TAPRemover.
type GroupMembers interface {
	// ListGroupMembers pages through the group's direct members.
	ListGroupMembers(ctx context.Context, groupID string) ([]Member, error)
	// RemoveGroupMember removes one membership through
	// DELETE /groups/{id}/members/{memberId}/$ref. Never the form without
	// /$ref: that one deletes the member object itself. ErrNotFound when
	// the member is already gone.
	RemoveGroupMember(ctx context.Context, groupID, memberID string) error
	// GroupAddAudits reads the audit log's successful adds to the group
	// since a time, in a bounded number of paced requests (the reporting
	// APIs allow 5 requests per 10 s per app and tenant).
	GroupAddAudits(ctx context.Context, groupID string, since time.Time) (AddLog, error)
}

// TAPRemover finds and deletes a user's Temporary Access Pass.
type TAPRemover interface {
	ListMethods(ctx context.Context, userID string) ([]Method, error)
	DeleteTAP(ctx context.Context, userID, tapID string) error
}
