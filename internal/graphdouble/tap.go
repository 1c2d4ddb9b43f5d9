package graphdouble

import (
	"fmt"
	"net/http"
	"time"
)

// Graph's absolute Temporary Access Pass lifetime bounds, in minutes; the
// tenant policy may narrow them.
const (
	tapMinLifetime = 10
	tapMaxLifetime = 43200
)

func renderTAP(m *AuthMethod, now time.Time) map[string]any {
	usable, reason := tapUsability(m, now)
	obj := methodBase(m)
	obj["temporaryAccessPass"] = nil // only the POST answer carries it
	obj["startDateTime"] = timeOrNil(m.StartDateTime)
	obj["lifetimeInMinutes"] = m.LifetimeInMinutes
	obj["isUsableOnce"] = m.IsUsableOnce
	obj["isUsable"] = usable
	obj["methodUsabilityReason"] = reason
	return obj
}

// tapUsability computes isUsable/methodUsabilityReason at read time.
func tapUsability(m *AuthMethod, now time.Time) (bool, string) {
	end := m.StartDateTime.Add(time.Duration(m.LifetimeInMinutes) * time.Minute)
	switch {
	case now.Before(m.StartDateTime):
		return false, "NotYetValid"
	case !now.Before(end):
		return false, "Expired"
	}
	return true, "EnabledByPolicy"
}

// postTAP creates a pass. Like Graph, a new pass replaces (deletes) the
// user's existing one, which is why callers must never retry blindly.
func postTAP(c *call) {
	u := c.user()
	if u == nil {
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	m, msg := c.newTAP(body)
	if msg != "" {
		c.fail(http.StatusBadRequest, "badRequest", msg)
		return
	}
	for _, old := range u.AuthenticationMethods {
		if old.Type == MethodTemporaryAccessPass {
			removeMethod(u, old)
			u.markReplaced(old.ID)
			break // one pass per user
		}
	}
	value := newTAPValue(c.t.TAPPolicy.DefaultLength)
	u.AuthenticationMethods = append(u.AuthenticationMethods, m)
	u.IssuedTAPs = append(u.IssuedTAPs, IssuedTAP{
		ID: m.ID, Value: value, CreatedDateTime: m.CreatedDateTime, StartDateTime: m.StartDateTime,
		LifetimeInMinutes: m.LifetimeInMinutes, IsUsableOnce: m.IsUsableOnce,
	})
	obj := renderMethod(m, c.d.now())
	obj["temporaryAccessPass"] = value
	c.entity(http.StatusCreated, fmt.Sprintf("users('%s')/authentication/temporaryAccessPassMethods/$entity", u.ID), obj)
}

func (u *User) markReplaced(id string) {
	for i := range u.IssuedTAPs {
		if u.IssuedTAPs[i].ID == id {
			u.IssuedTAPs[i].Replaced = true
			u.IssuedTAPs[i].Deleted = false
		}
	}
}

// newTAP applies the request and the tenant policy; msg is Graph's
// refusal, if any.
func (c *call) newTAP(body map[string]any) (*AuthMethod, string) {
	pol := c.t.TAPPolicy
	now := c.d.now()
	m := &AuthMethod{
		Type: MethodTemporaryAccessPass, ID: newID(), CreatedDateTime: now, StartDateTime: now,
		LifetimeInMinutes: pol.DefaultLifetimeInMinutes, IsUsableOnce: pol.IsUsableOnce,
	}
	if v, ok := body["lifetimeInMinutes"]; ok && v != nil {
		n, _ := asFloat(v)
		lo, hi := max(pol.MinimumLifetimeInMinutes, tapMinLifetime), min(pol.MaximumLifetimeInMinutes, tapMaxLifetime)
		if int(n) < lo || int(n) > hi {
			return nil, fmt.Sprintf("Invalid LifetimeInMinutes specified. The valid range between %d and %d.", lo, hi)
		}
		m.LifetimeInMinutes = int(n)
	}
	if v, ok := body["isUsableOnce"].(bool); ok {
		if !v && pol.IsUsableOnce {
			return nil, "The Temporary Access Pass policy only allows one-time use passes; isUsableOnce cannot be false."
		}
		m.IsUsableOnce = v
	}
	if v, ok := body["startDateTime"].(string); ok {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, "Invalid startDateTime."
		}
		m.StartDateTime = t.UTC()
	}
	return m, ""
}
