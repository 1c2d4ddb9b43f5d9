package graphdouble

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// LoadSeed reads a tenant from a JSON file (format: the Tenant type's JSON
// tags; example: testdata/tenant.json).
func LoadSeed(path string) (*Tenant, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := ParseSeed(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ParseSeed decodes and checks a tenant seed. Unknown fields are errors so
// a misspelt seed key fails loudly instead of silently seeding nothing.
func ParseSeed(b []byte) (*Tenant, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var t Tenant
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	t.applyDefaults()
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

// applyDefaults fills what Graph would: fixed method ids, user type, policy.
func (t *Tenant) applyDefaults() {
	p := &t.TAPPolicy
	if p.MinimumLifetimeInMinutes == 0 {
		p.MinimumLifetimeInMinutes = 10
	}
	if p.MaximumLifetimeInMinutes == 0 {
		p.MaximumLifetimeInMinutes = 43200
	}
	if p.DefaultLifetimeInMinutes == 0 {
		p.DefaultLifetimeInMinutes = 60
	}
	if p.DefaultLength == 0 {
		p.DefaultLength = 8
	}
	for _, u := range t.Users {
		if u.UserType == "" {
			u.UserType = "Member"
		}
		for _, m := range u.AuthenticationMethods {
			m.applyDefaults(t.SMSSignInEnabled)
		}
	}
	for _, e := range t.RoleEligibilities {
		if e.DirectoryScopeID == "" {
			e.DirectoryScopeID = "/"
		}
	}
	for _, e := range t.GroupEligibilities {
		if e.ID == "" {
			e.ID = e.GroupID + "_" + e.AccessID + "_" + e.PrincipalID
		}
	}
	for _, r := range t.AssignmentRequests {
		if r.RequestStatus == "" {
			r.RequestStatus = "WaitingForCallback"
		}
	}
}

func (m *AuthMethod) applyDefaults(smsEnabled bool) {
	switch m.Type {
	case MethodPhone:
		if m.ID == "" {
			m.ID = phoneIDs[m.PhoneType]
		}
		if m.SMSSignInState == "" {
			m.SMSSignInState = smsState(m.PhoneType, smsEnabled)
		}
	case MethodEmail:
		if m.ID == "" {
			m.ID = EmailMethodID
		}
	}
	if m.ID == "" {
		m.ID = newID()
	}
}

var phoneIDs = map[string]string{
	"mobile":          PhoneIDMobile,
	"alternateMobile": PhoneIDAlternateMobile,
	"office":          PhoneIDOffice,
}

// smsState is what Graph reports for a new phone: only mobile numbers can
// be used for SMS sign-in, and only when the policy allows it.
func smsState(phoneType string, enabled bool) string {
	switch {
	case phoneType != "mobile":
		return "notSupported"
	case enabled:
		return "ready"
	default:
		return "notAllowedByPolicy"
	}
}

// Validate checks references and uniqueness so a broken seed fails at load
// time rather than as a puzzling 404 in some test.
func (t *Tenant) Validate() error {
	ids := map[string]string{}
	claim := func(id, what string) error {
		if id == "" {
			return fmt.Errorf("seed: %s without id", what)
		}
		if prev, dup := ids[strings.ToLower(id)]; dup {
			return fmt.Errorf("seed: id %s used by %s and %s", id, prev, what)
		}
		ids[strings.ToLower(id)] = what
		return nil
	}
	upns := map[string]bool{}
	for _, u := range t.Users {
		if err := claim(u.ID, "user "+u.UserPrincipalName); err != nil {
			return err
		}
		if u.UserPrincipalName == "" || upns[strings.ToLower(u.UserPrincipalName)] {
			return fmt.Errorf("seed: user %s: missing or duplicate userPrincipalName", u.ID)
		}
		upns[strings.ToLower(u.UserPrincipalName)] = true
	}
	for _, g := range t.Groups {
		if err := claim(g.ID, "group "+g.DisplayName); err != nil {
			return err
		}
	}
	for _, r := range t.DirectoryRoles {
		if err := claim(r.ID, "directoryRole "+r.DisplayName); err != nil {
			return err
		}
	}
	for _, u := range t.Users {
		if err := t.validateUser(u, ids); err != nil {
			return err
		}
	}
	return t.validateMembership(ids)
}

func (t *Tenant) validateUser(u *User, ids map[string]string) error {
	if u.Manager != "" && !strings.HasPrefix(ids[strings.ToLower(u.Manager)], "user ") {
		return fmt.Errorf("seed: user %s: manager %s is not a user", u.UserPrincipalName, u.Manager)
	}
	for k := range u.OnPremisesExtensionAttributes {
		if !slices.Contains(extensionAttributeNames, k) {
			return fmt.Errorf("seed: user %s: unknown extension attribute %q", u.UserPrincipalName, k)
		}
	}
	seen := map[string]bool{}
	for _, m := range u.AuthenticationMethods {
		if err := m.validate(); err != nil {
			return fmt.Errorf("seed: user %s: %w", u.UserPrincipalName, err)
		}
		if seen[m.ID] {
			return fmt.Errorf("seed: user %s: duplicate method id %s", u.UserPrincipalName, m.ID)
		}
		seen[m.ID] = true
	}
	if u.DefaultMethod != "" && !seen[u.DefaultMethod] {
		return fmt.Errorf("seed: user %s: defaultMethod %s is not one of its methods", u.UserPrincipalName, u.DefaultMethod)
	}
	return nil
}

func (m *AuthMethod) validate() error {
	if _, ok := methodKinds[m.Type]; !ok || m.Type == MethodPassword {
		return fmt.Errorf("method %s: unknown or unseedable type %q", m.ID, m.Type)
	}
	if m.Type == MethodPhone {
		if _, ok := phoneIDs[m.PhoneType]; !ok {
			return fmt.Errorf("phone method: bad phoneType %q", m.PhoneType)
		}
		if m.ID != phoneIDs[m.PhoneType] {
			return fmt.Errorf("phone method: %s phones have the fixed id %s", m.PhoneType, phoneIDs[m.PhoneType])
		}
		if !validPhoneNumber(m.PhoneNumber) {
			return fmt.Errorf("phone method: %q is not in Graph's \"+CC NUMBER\" format", m.PhoneNumber)
		}
	}
	return nil
}

func (t *Tenant) validateMembership(ids map[string]string) error {
	for _, g := range t.Groups {
		for _, id := range g.Members {
			if kind := ids[strings.ToLower(id)]; !strings.HasPrefix(kind, "user ") && !strings.HasPrefix(kind, "group ") {
				return fmt.Errorf("seed: group %s: member %s is not a user or group", g.DisplayName, id)
			}
		}
	}
	for _, r := range t.DirectoryRoles {
		for _, id := range r.Members {
			if kind := ids[strings.ToLower(id)]; !strings.HasPrefix(kind, "user ") && !strings.HasPrefix(kind, "group ") {
				return fmt.Errorf("seed: role %s: member %s is not a user or group", r.DisplayName, id)
			}
		}
	}
	return nil
}

var extensionAttributeNames = func() []string {
	var n []string
	for i := 1; i <= 15; i++ {
		n = append(n, fmt.Sprintf("extensionAttribute%d", i))
	}
	return n
}()

// Clone returns a deep copy.
func (t *Tenant) Clone() *Tenant {
	c := *t
	c.userIndex = nil // it points at t's users
	c.Users = cloneEach(t.Users, (*User).clone)
	c.Groups = cloneEach(t.Groups, func(g *Group) *Group {
		n := *g
		n.GroupTypes = slices.Clone(g.GroupTypes)
		n.Members = slices.Clone(g.Members)
		return &n
	})
	c.DirectoryRoles = cloneEach(t.DirectoryRoles, func(r *DirectoryRole) *DirectoryRole {
		n := *r
		n.Members = slices.Clone(r.Members)
		return &n
	})
	c.RoleEligibilities = cloneEach(t.RoleEligibilities, func(e *RoleEligibility) *RoleEligibility { n := *e; return &n })
	c.GroupEligibilities = cloneEach(t.GroupEligibilities, func(e *GroupEligibility) *GroupEligibility { n := *e; return &n })
	c.AssignmentRequests = cloneEach(t.AssignmentRequests, func(r *AssignmentRequest) *AssignmentRequest { n := *r; return &n })
	c.DirectoryAudits = cloneEach(t.DirectoryAudits, (*DirectoryAudit).clone)
	c.MailSenders = slices.Clone(t.MailSenders)
	c.Setup = t.Setup.clone()
	c.Outbox = slices.Clone(t.Outbox)
	for i := range c.Outbox {
		c.Outbox[i].To = slices.Clone(c.Outbox[i].To)
		c.Outbox[i].Cc = slices.Clone(c.Outbox[i].Cc)
		c.Outbox[i].Bcc = slices.Clone(c.Outbox[i].Bcc)
	}
	c.ResumeCalls = slices.Clone(t.ResumeCalls)
	for i := range c.ResumeCalls {
		c.ResumeCalls[i].Data = deepCopyJSON(c.ResumeCalls[i].Data)
	}
	c.DeletedObjects = slices.Clone(t.DeletedObjects)
	return &c
}

func cloneEach[T any](in []*T, f func(*T) *T) []*T {
	if in == nil {
		return nil
	}
	out := make([]*T, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func (u *User) clone() *User {
	n := *u
	n.BusinessPhones = slices.Clone(u.BusinessPhones)
	n.OnPremisesExtensionAttributes = maps.Clone(u.OnPremisesExtensionAttributes)
	n.AuthenticationMethods = cloneEach(u.AuthenticationMethods, func(m *AuthMethod) *AuthMethod {
		c := *m
		c.AttestationCertificates = slices.Clone(m.AttestationCertificates)
		return &c
	})
	n.IssuedTAPs = slices.Clone(u.IssuedTAPs)
	return &n
}

func (a *DirectoryAudit) clone() *DirectoryAudit {
	n := *a
	if a.InitiatedBy.App != nil {
		app := *a.InitiatedBy.App
		n.InitiatedBy.App = &app
	}
	if a.InitiatedBy.User != nil {
		usr := *a.InitiatedBy.User
		n.InitiatedBy.User = &usr
	}
	n.TargetResources = slices.Clone(a.TargetResources)
	for i := range n.TargetResources {
		n.TargetResources[i].ModifiedProperties = slices.Clone(a.TargetResources[i].ModifiedProperties)
	}
	return &n
}

// deepCopyJSON copies a decoded JSON value (maps, slices, scalars).
func deepCopyJSON[T any](v T) T {
	var anyV any = v
	return copyJSONValue(anyV).(T)
}

func copyJSONValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return x
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = copyJSONValue(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = copyJSONValue(e)
		}
		return s
	default:
		return v
	}
}
