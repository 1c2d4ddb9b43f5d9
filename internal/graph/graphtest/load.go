package graphtest

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

// LoadUser is user i of a load test, managed by Mara: a mobile and an
// alternateMobile phone, then one method of each of kinds (MethodPhone is
// the office phone), and as the default the method at index def of that
// list (0 the mobile, 1 the alternateMobile, 2 the first of kinds, ...).
// Its object id is <idPrefix>-0000-4000-8000-<i>, its UPN and mail
// <name><i>@contoso.example.
func LoadUser(idPrefix, name string, i, def int, kinds ...graphdouble.MethodType) *graphdouble.User {
	upn := fmt.Sprintf("%s%03d@contoso.example", name, i)
	methods := []*graphdouble.AuthMethod{
		{Type: graphdouble.MethodPhone, PhoneType: "mobile", PhoneNumber: fmt.Sprintf("+1 206555%04d", i), ID: graphdouble.PhoneIDMobile},
		{Type: graphdouble.MethodPhone, PhoneType: "alternateMobile", PhoneNumber: fmt.Sprintf("+1 425555%04d", i), ID: graphdouble.PhoneIDAlternateMobile},
	}
	for _, k := range kinds {
		m := &graphdouble.AuthMethod{Type: k, ID: uuid.NewString()}
		switch k {
		case graphdouble.MethodPhone:
			m.PhoneType, m.PhoneNumber, m.ID = "office", fmt.Sprintf("+1 312555%04d", i), graphdouble.PhoneIDOffice
		case graphdouble.MethodEmail:
			m.EmailAddress, m.ID = fmt.Sprintf("%s%03d@home.example", name, i), graphdouble.EmailMethodID
		default:
			m.DisplayName = string(k)
		}
		methods = append(methods, m)
	}
	return &graphdouble.User{
		ID: fmt.Sprintf("%s-0000-4000-8000-%012d", idPrefix, i), UserPrincipalName: upn, DisplayName: upn, Mail: upn,
		AccountEnabled: true, Manager: Mara, AuthenticationMethods: methods, DefaultMethod: methods[def].ID,
	}
}

// LoadTenant is the sandbox tenant plus the n users user(i) makes, and
// their ids.
func LoadTenant(t testing.TB, n int, user func(i int) *graphdouble.User) (*graphdouble.Tenant, []string) {
	t.Helper()
	seed, err := graphdouble.LoadSeed(SeedPath())
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i := range n {
		u := user(i)
		seed.Users, ids[i] = append(seed.Users, u), u.ID
	}
	return seed, ids
}
