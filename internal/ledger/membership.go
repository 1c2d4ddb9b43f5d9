package ledger

import (
	"strings"
	"time"
)

// Membership records when this service added a user to a temporary group
// (the passkey-enrollment Conditional Access group), so the expiry timer
// knows when the user's window started. PartitionKey is "group-<groupId>",
// RowKey the user's object id.
type Membership struct {
	Row
	GroupID   string    `json:"GroupId"`
	UserID    string    `json:"UserId"`
	AddedAt   time.Time `json:"AddedAt"`
	RequestID string    `json:"RequestId,omitempty"` // the access-package request that led to it
}

// MembershipKeys are the keys of a user's membership record.
func MembershipKeys(groupID, userID string) (pk, rk string) {
	return "group-" + strings.ToLower(groupID), strings.ToLower(userID)
}

// NewMembership is the record of userID joining groupID at addedAt.
func NewMembership(groupID, userID, requestID string, addedAt time.Time) *Membership {
	pk, rk := MembershipKeys(groupID, userID)
	return &Membership{Row: Row{PartitionKey: pk, RowKey: rk}, GroupID: strings.ToLower(groupID),
		UserID: strings.ToLower(userID), AddedAt: addedAt.UTC(), RequestID: requestID}
}
