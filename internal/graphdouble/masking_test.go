package graphdouble

import "testing"

func TestMaskPhoneNumber(t *testing.T) {
	for in, want := range map[string]string{
		"+1 2065550109":     "+1 XXXXXXXX09",
		"+1 4255550109x12":  "+1 XXXXXXXX09",
		"+44 7911123456":    "+44 XXXXXXXX56",
		"+7 12":             "+7 12",
		"garbage-no-space1": "XXXXXXXXXXXXXXXXX",
	} {
		if got := MaskPhoneNumber(in); got != want {
			t.Errorf("MaskPhoneNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

// Masking changes what callers see, never the tenant: the stored number
// stays whole, and lists, single reads and the POST answer are all masked.
func TestMaskedPhoneAnswers(t *testing.T) {
	f := newFixture(t, Options{MaskPhoneNumbers: true})
	base := "/v1.0/users/" + samID + "/authentication/"
	phones := f.expect(f.do("GET", base+"phoneMethods", nil), 200).values()
	if phones[0]["phoneNumber"] != "+1 XXXXXXXX09" || phones[1]["phoneNumber"] != "+1 XXXXXXXX09" {
		t.Errorf("list: %v", phones)
	}
	all := f.expect(f.do("GET", base+"methods", nil), 200).values()
	if all[1]["phoneNumber"] != "+1 XXXXXXXX09" {
		t.Errorf("methods: %v", all[1])
	}
	one := f.expect(f.do("GET", base+"phoneMethods/"+PhoneIDMobile, nil), 200)
	if one.str("phoneNumber") != "+1 XXXXXXXX09" {
		t.Errorf("get: %v", one.body)
	}
	created := f.expect(f.do("POST", "/v1.0/users/"+noraID+"/authentication/phoneMethods",
		map[string]any{"phoneNumber": "+1 2065550177", "phoneType": "mobile"}), 201)
	if created.str("phoneNumber") != "+1 XXXXXXXX77" {
		t.Errorf("post: %v", created.body)
	}
	f.d.View(func(tn *Tenant) {
		if n := tn.userByID(samID).phone("mobile").PhoneNumber; n != "+1 2065550109" {
			t.Errorf("stored number changed to %q", n)
		}
	})
}
