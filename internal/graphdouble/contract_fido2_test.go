package graphdouble

import (
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/softkey"
)

// exerciseFido2 drives the passkey routes of the contract scenario:
// creationOptions in every form, registration on v1.0 and beta, a refusal,
// and transitiveMembers with its casts.
func exerciseFido2(t *testing.T, f *fixture, ok okFunc) {
	t.Helper()
	f.d.Update(func(tn *Tenant) { tn.Setup.Fido2 = Fido2Policy{Enabled: true, SelfServiceRegistration: true} })
	base := "/users/" + ginaID + "/authentication/fido2Methods"
	register := func(version, optionsPath string) {
		t.Helper()
		opts := ok("GET", optionsPath, nil, 200)
		cred, err := newSoftkey(t, softkey.Options{}).Register(opts.raw)
		if err != nil {
			t.Fatal(err)
		}
		ok("POST", "/"+version+base, cred.GraphBody("Contract key"), 201)
	}
	register("v1.0", "/v1.0"+base+"/creationOptions")
	register("beta", "/beta"+base+"/creationOptions(challengeTimeoutInMinutes=60)")
	// excludeCredentials now lists both keys, in both of Entra's encodings
	opts := ok("GET", "/beta"+base+"/creationOptions?challengeTimeoutInMinutes=10", nil, 200)
	wrong, err := newSoftkey(t, softkey.Options{}).Register(opts.raw, softkey.WrongOrigin)
	if err != nil {
		t.Fatal(err)
	}
	ok("POST", "/v1.0"+base, wrong.GraphBody("Wrong origin"), 400)
	ok("GET", "/v1.0"+base, nil, 200)

	groups := "/v1.0/groups/" + protected + "/transitiveMembers"
	ok("GET", groups, nil, 200)
	ok("GET", groups+"/microsoft.graph.user?$select=id,userPrincipalName,displayName,accountEnabled,userType&$top=999&$count=true", nil, 200)
	ok("GET", groups+"/microsoft.graph.group?$select=id,displayName&$count=true", nil, 200)
}

func newSoftkey(t testing.TB, opts softkey.Options) *softkey.Key {
	t.Helper()
	k, err := softkey.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
