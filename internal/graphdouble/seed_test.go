package graphdouble

import (
	"strings"
	"testing"
)

func TestExampleSeedLoads(t *testing.T) {
	tn, err := LoadSeed("testdata/tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	nora := tn.userByKey("nora.new@contoso.example")
	if nora == nil || !nora.AccountEnabled || nora.UserType != "Member" {
		t.Fatalf("nora: %+v", nora)
	}
	if guest := tn.userByKey("10000000-0000-4000-8000-000000000011"); guest.AccountEnabled || guest.UserType != "Guest" {
		t.Errorf("guest: %+v", guest)
	}
	sam := tn.userByKey(samID)
	if len(sam.AuthenticationMethods) != 6 || sam.AuthenticationMethods[0].ID != PhoneIDMobile ||
		sam.AuthenticationMethods[1].ID != PhoneIDOffice {
		t.Errorf("sam methods: %+v", sam.AuthenticationMethods)
	}
	if tn.TAPPolicy.MaximumLifetimeInMinutes != 480 || tn.RoleEligibilities[0].DirectoryScopeID != "/" ||
		tn.AssignmentRequests[0].RequestStatus != "WaitingForCallback" {
		t.Errorf("defaults: %+v", tn.TAPPolicy)
	}
}

func TestParseSeedRejects(t *testing.T) {
	cases := map[string]string{
		"unknown field":      `{"users":[{"id":"a","userPrincipalName":"a@x","mial":"a@x"}]}`,
		"duplicate id":       `{"users":[{"id":"a","userPrincipalName":"a@x"},{"id":"A","userPrincipalName":"b@x"}]}`,
		"duplicate upn":      `{"users":[{"id":"a","userPrincipalName":"a@x"},{"id":"b","userPrincipalName":"A@x"}]}`,
		"manager missing":    `{"users":[{"id":"a","userPrincipalName":"a@x","manager":"zz"}]}`,
		"bad ext attribute":  `{"users":[{"id":"a","userPrincipalName":"a@x","onPremisesExtensionAttributes":{"extensionAttribute16":"1"}}]}`,
		"bad phone":          `{"users":[{"id":"a","userPrincipalName":"a@x","authenticationMethods":[{"type":"phone","phoneType":"mobile","phoneNumber":"+12065550101"}]}]}`,
		"wrong phone id":     `{"users":[{"id":"a","userPrincipalName":"a@x","authenticationMethods":[{"type":"phone","id":"x","phoneType":"mobile","phoneNumber":"+1 2065550101"}]}]}`,
		"password method":    `{"users":[{"id":"a","userPrincipalName":"a@x","authenticationMethods":[{"type":"password"}]}]}`,
		"unknown method":     `{"users":[{"id":"a","userPrincipalName":"a@x","authenticationMethods":[{"type":"sms"}]}]}`,
		"foreign default":    `{"users":[{"id":"a","userPrincipalName":"a@x","defaultMethod":"m"}]}`,
		"group member ghost": `{"users":[],"groups":[{"id":"g","members":["nobody"]}]}`,
		"role member ghost":  `{"users":[],"directoryRoles":[{"id":"r","roleTemplateId":"t","members":["nobody"]}]}`,
	}
	for name, seed := range cases {
		if _, err := ParseSeed([]byte(seed)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestNewPanicsOnInconsistentTenant(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "manager") {
			t.Errorf("recovered %v", r)
		}
	}()
	New(&Tenant{Users: []*User{{ID: "a", UserPrincipalName: "a@x", Manager: "b"}}}, Options{})
}

func TestNewCopiesTheTenant(t *testing.T) {
	tn, err := LoadSeed("testdata/tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	d := New(tn, Options{})
	tn.userByKey(noraID).DisplayName = "changed"
	tn.Groups[0].Members = append(tn.Groups[0].Members, "x")
	if u, _ := d.User(noraID); u.DisplayName != "Nora New" {
		t.Error("double shares the seed's users")
	}
	if len(d.GroupMembers(breakGlass)) != 1 {
		t.Error("double shares the seed's groups")
	}
	snap := d.Snapshot()
	snap.userByKey(samID).AuthenticationMethods[0].PhoneNumber = "+1 0000000000"
	if d.Methods(samID)[0].PhoneNumber != "+1 2065550109" {
		t.Error("snapshot shares methods")
	}
}

func TestEmptyDouble(t *testing.T) {
	d := New(nil, Options{})
	if d.Snapshot().TAPPolicy.DefaultLifetimeInMinutes != 60 {
		t.Error("policy defaults missing")
	}
}
