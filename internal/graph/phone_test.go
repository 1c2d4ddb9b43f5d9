package graph_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

const phonesPath = "/v1.0/users/*/authentication/phoneMethods"

func TestPhoneSourceEachAttributeKind(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	ctx := context.Background()
	r.double.Update(func(tn *graphdouble.Tenant) {
		for _, u := range tn.Users {
			if u.ID == nora {
				u.OnPremisesExtensionAttributes["extensionAttribute3"] = "  +44 20 7946 0018 "
			}
		}
	})
	cases := []struct{ user, attr, want string }{
		{"nora.new@contoso.example", directory.DefaultPhoneSource, "+1 2065550101"},
		{nora, "onPremisesExtensionAttributes.extensionAttribute3", "+44 20 7946 0018"},
		{nora, "onPremisesExtensionAttributes.extensionAttribute7", ""},
		{una, directory.SourceMobilePhone, "+1 2065550103"},
		{mara, directory.SourceBusinessPhone, "+1 425 555 0100"},
		{nora, directory.SourceBusinessPhone, ""},
	}
	for _, c := range cases {
		got, err := r.client.PhoneSource(ctx, c.user, c.attr)
		if err != nil {
			t.Fatalf("%s %s: %v", c.user, c.attr, err)
		}
		if got.Source != c.want || got.ID == "" || got.UPN == "" || got.UserType != "Member" {
			t.Errorf("%s %s: %+v, want source %q", c.user, c.attr, got, c.want)
		}
	}
	// $select names only what is needed: the source's property and the ids.
	last := r.double.RequestsMatching("GET", "/v1.0/users/*")
	if q := last[len(last)-1].Query.Get("$select"); q != "id,userPrincipalName,accountEnabled,userType,businessPhones" {
		t.Errorf("$select %q", q)
	}
	if _, err := r.client.PhoneSource(ctx, "ghost@contoso.example", directory.DefaultPhoneSource); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := r.client.PhoneSource(ctx, nora, "department"); err == nil {
		t.Error("unsupported source accepted")
	}
}

func TestPhoneCreateUpdateDelete(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	ctx := context.Background()
	created, err := r.client.CreatePhone(ctx, nora, directory.PhoneMethod{Type: directory.PhoneMobile, Number: "+1 2065550101"})
	if err != nil || created.ID != directory.PhoneIDMobile || created.Type != directory.PhoneMobile || created.Number != "+1 2065550101" {
		t.Fatalf("create: %+v %v", created, err)
	}
	// A second mobile fails: the property that makes a repeated POST safe.
	_, err = r.client.CreatePhone(ctx, nora, directory.PhoneMethod{Type: directory.PhoneMobile, Number: "+1 2065550199"})
	var de *directory.Error
	if !errors.As(err, &de) || de.Status != http.StatusBadRequest {
		t.Fatalf("second mobile: %v", err)
	}
	if err := r.client.UpdatePhone(ctx, nora, directory.PhoneIDMobile, "+1 2065550102x7"); err != nil {
		t.Fatal(err)
	}
	list, err := r.client.PhoneMethods(ctx, nora)
	if err != nil || len(list) != 1 || list[0].Number != "+1 2065550102x7" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := r.client.DeletePhone(ctx, nora, directory.PhoneIDMobile); err != nil {
		t.Fatal(err)
	}
	if err := r.client.DeletePhone(ctx, nora, directory.PhoneIDMobile); !errors.Is(err, directory.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if list, _ := r.client.PhoneMethods(ctx, nora); len(list) != 0 {
		t.Fatalf("left: %+v", list)
	}
}

func TestPhoneWritesRetryThrottlingAndLostAnswers(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	ctx := context.Background()
	r.double.AddFault(graphdouble.Throttle("POST", phonesPath, 1, "2"))
	// Rules count every matching request, so the drop skips the throttled one.
	r.double.AddFault(graphdouble.Fault{Method: "POST", Path: phonesPath, Skip: 1, Count: 1, Drop: true})
	// Throttled, then applied with the answer lost, then the repeat is
	// refused because the phone exists: the caller sees a 400 it resolves
	// by listing, and exactly one phone exists.
	_, err := r.client.CreatePhone(ctx, nora, directory.PhoneMethod{Type: directory.PhoneMobile, Number: "+1 2065550101"})
	var de *directory.Error
	if !errors.As(err, &de) || de.Status != http.StatusBadRequest {
		t.Fatalf("create after a lost answer: %v", err)
	}
	if n := r.double.CountRequests("POST", phonesPath); n != 3 {
		t.Errorf("POSTs %d, want 3", n)
	}
	if list, _ := r.client.PhoneMethods(ctx, nora); len(list) != 1 || list[0].Number != "+1 2065550101" {
		t.Fatalf("phones: %+v", list)
	}
	r.double.AddFault(graphdouble.ServerError("PATCH", phonesPath+"/*", http.StatusServiceUnavailable, 1))
	if err := r.client.UpdatePhone(ctx, nora, directory.PhoneIDMobile, "+1 2065550102"); err != nil {
		t.Fatalf("PATCH after 503: %v", err)
	}
	r.double.AddFault(graphdouble.DropResponse("DELETE", phonesPath+"/*", 1))
	if err := r.client.DeletePhone(ctx, nora, directory.PhoneIDMobile); !errors.Is(err, directory.ErrNotFound) {
		t.Fatalf("DELETE after a lost answer: %v (want not found: the first one was applied)", err)
	}
	if w := r.Waits(); len(w) < 3 || w[0].Seconds() != 2 {
		t.Errorf("waits %v: Retry-After not honoured", w)
	}
}

func TestMaskedPhoneNumbersReachTheCaller(t *testing.T) {
	r := newRig(t, graphdouble.Options{MaskPhoneNumbers: true})
	list, err := r.client.PhoneMethods(context.Background(), graphtest.Sam)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Number != "+1 XXXXXXXX09" || list[1].Type != directory.PhoneOffice {
		t.Fatalf("list: %+v", list)
	}
}
