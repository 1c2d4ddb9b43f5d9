package graphdouble_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

// A TAP POST that Graph applies but whose answer is lost: the pass exists,
// the caller never saw it, and a blind retry would replace it.
func Example() {
	tenant, err := graphdouble.LoadSeed("testdata/tenant.json")
	if err != nil {
		panic(err)
	}
	d := graphdouble.New(tenant, graphdouble.Options{})
	srv := httptest.NewServer(d) // point the SDK at srv.URL + "/v1.0"
	defer srv.Close()

	d.AddFault(graphdouble.DropResponse("POST", "/v1.0/users/*/authentication/temporaryAccessPassMethods", 1))
	_, err = http.Post(srv.URL+"/v1.0/users/nora.new@contoso.example/authentication/temporaryAccessPassMethods",
		"application/json", strings.NewReader(`{"lifetimeInMinutes":60,"isUsableOnce":true}`))

	fmt.Println("answer lost:", err != nil)
	fmt.Println("passes minted:", len(d.IssuedTAPs("nora.new@contoso.example")))
	fmt.Println("POSTs seen:", d.CountRequests("POST", "/v1.0/users/*/authentication/temporaryAccessPassMethods"))
	// Output:
	// answer lost: true
	// passes minted: 1
	// POSTs seen: 1
}
