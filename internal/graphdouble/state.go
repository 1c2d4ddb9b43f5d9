package graphdouble

import (
	"fmt"
	"slices"
	"time"
)

// Convenience reads and writes for tests. Each takes the lock; values
// returned are copies.

// User returns a copy of the user with this id or userPrincipalName.
func (d *Double) User(key string) (User, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.tenant.userByKey(key)
	if u == nil {
		return User{}, false
	}
	return *u.clone(), true
}

// Methods returns copies of the user's methods (password excluded).
func (d *Double) Methods(userKey string) []AuthMethod {
	u, _ := d.User(userKey)
	out := make([]AuthMethod, 0, len(u.AuthenticationMethods))
	for _, m := range u.AuthenticationMethods {
		out = append(out, *m)
	}
	return out
}

// IssuedTAPs returns every pass ever created for the user, oldest first.
func (d *Double) IssuedTAPs(userKey string) []IssuedTAP {
	u, _ := d.User(userKey)
	return u.IssuedTAPs
}

// RevokedSessions counts revokeSignInSessions calls for the user.
func (d *Double) RevokedSessions(userKey string) int {
	u, _ := d.User(userKey)
	return u.RevokedSessions
}

// Outbox returns the mail accepted by sendMail, oldest first.
func (d *Double) Outbox() []SentMail {
	return d.Snapshot().Outbox
}

// ResumeCalls returns the accepted entitlement-management resume calls.
func (d *Double) ResumeCalls() []ResumeCall {
	return d.Snapshot().ResumeCalls
}

// DeletedObjects returns users or groups deleted from the tenant, e.g.
// by a DELETE .../members/{id} without /$ref.
func (d *Double) DeletedObjects() []DeletedObject {
	return d.Snapshot().DeletedObjects
}

// DirectoryAudits returns copies of the audit entries, oldest first.
func (d *Double) DirectoryAudits() []DirectoryAudit {
	t := d.Snapshot()
	out := make([]DirectoryAudit, len(t.DirectoryAudits))
	for i, a := range t.DirectoryAudits {
		out[i] = *a
	}
	return out
}

// GroupMembers returns the direct member ids of a group.
func (d *Double) GroupMembers(groupID string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if gr := d.tenant.groupByID(groupID); gr != nil {
		return slices.Clone(gr.Members)
	}
	return nil
}

// AddAssignmentRequest registers an access package assignment request
// waiting for a callback, so resume on it succeeds once.
func (d *Double) AddAssignmentRequest(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tenant.AssignmentRequests = append(d.tenant.AssignmentRequests,
		&AssignmentRequest{ID: id, RequestStatus: "WaitingForCallback"})
}

// AddAudit appends an audit entry (e.g. an "Add member to group" from
// hours ago, to test expiry).
func (d *Double) AddAudit(a DirectoryAudit) {
	if a.ID == "" {
		a.ID = "Directory_" + newID()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tenant.DirectoryAudits = append(d.tenant.DirectoryAudits, a.clone())
}

// AddMethod registers a method for a user, filling fixed ids as Graph does.
func (d *Double) AddMethod(userKey string, m AuthMethod) (AuthMethod, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.tenant.userByKey(userKey)
	if u == nil {
		return AuthMethod{}, fmt.Errorf("graphdouble: no user %s", userKey)
	}
	m.applyDefaults(d.tenant.SMSSignInEnabled)
	if err := m.validate(); err != nil {
		return AuthMethod{}, err
	}
	if m.Type == MethodTemporaryAccessPass && m.StartDateTime.IsZero() {
		m.StartDateTime = d.now()
	}
	u.AuthenticationMethods = append(u.AuthenticationMethods, &m)
	return m, nil
}

// SetDefaultMethod marks one of the user's methods as the default.
func (d *Double) SetDefaultMethod(userKey, methodID string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.tenant.userByKey(userKey)
	if u == nil {
		return fmt.Errorf("graphdouble: no user %s", userKey)
	}
	for _, m := range u.AuthenticationMethods {
		if m.ID == methodID {
			u.DefaultMethod = methodID
			return nil
		}
	}
	return fmt.Errorf("graphdouble: user %s has no method %s", userKey, methodID)
}

// Now is the double's clock (Options.Now), in UTC.
func (d *Double) Now() time.Time { return d.now() }
