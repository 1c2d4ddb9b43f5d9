package graph_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

// The default method is read and changed through beta signInPreferences,
// by object id or UPN, beside the v1.0 endpoint the client is built for.
func TestPreferredMethodReadAndChange(t *testing.T) {
	g := graphtest.New(t, graphdouble.Options{})
	ctx := context.Background()
	got, err := g.Client.PreferredMethod(ctx, graphtest.Sam)
	if err != nil || got != directory.PreferPush {
		t.Fatalf("Sam's default: %q %v", got, err)
	}
	if err := g.Client.SetPreferredMethod(ctx, "sam.six@contoso.example", directory.PreferVoiceMobile); err != nil {
		t.Fatal(err)
	}
	if u, _ := g.Double.User(graphtest.Sam); u.DefaultMethod != directory.PhoneIDMobile {
		t.Errorf("default is %q, want the mobile phone", u.DefaultMethod)
	}
	if n := g.Double.CountRequests("PATCH", "/beta/users/*/authentication/signInPreferences"); n != 1 {
		t.Errorf("%d PATCHes on beta signInPreferences", n)
	}
	if got, err := g.Client.PreferredMethod(ctx, graphtest.Nora); err != nil || got != "" {
		t.Errorf("no default: %q %v", got, err)
	}
	if _, err := g.Client.PreferredMethod(ctx, "30000000-0000-4000-8000-00000000dead"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	err = g.Client.SetPreferredMethod(ctx, graphtest.Nora, directory.PreferPush)
	if de := (*directory.Error)(nil); !errors.As(err, &de) || de.Status != 400 || directory.RefusedForOrder(err) {
		t.Errorf("a default no method backs: %v", err)
	}
}

// Graph's phone rule reaches the caller as an ordering refusal through the
// real SDK; the same DELETE succeeds once the alternateMobile is gone.
func TestDeleteMobileBeforeAlternateIsAnOrderRefusal(t *testing.T) {
	g := graphtest.New(t, graphdouble.Options{})
	ctx := context.Background()
	if _, err := g.Double.AddMethod(graphtest.Sam, graphdouble.AuthMethod{Type: graphdouble.MethodPhone, PhoneType: "alternateMobile", PhoneNumber: "+1 2065550199"}); err != nil {
		t.Fatal(err)
	}
	mobile := directory.Method{ID: directory.PhoneIDMobile, Type: directory.MethodPhone, PhoneType: directory.PhoneMobile}
	alternate := directory.Method{ID: directory.PhoneIDAlternateMobile, Type: directory.MethodPhone, PhoneType: directory.PhoneAlternateMobile}
	err := g.Client.DeleteMethod(ctx, graphtest.Sam, mobile)
	if !errors.Is(err, directory.ErrDeleteOrder) || errors.Is(err, directory.ErrDefaultMethod) {
		t.Fatalf("mobile first: %v", err)
	}
	if err := g.Client.DeleteMethod(ctx, graphtest.Sam, alternate); err != nil {
		t.Fatal(err)
	}
	if err := g.Client.DeleteMethod(ctx, graphtest.Sam, mobile); err != nil {
		t.Fatalf("mobile after the alternate: %v", err)
	}
}

// The beta endpoint is derived from the configured v1.0 one; an endpoint
// of another shape is refused rather than guessed at.
func TestPreferredMethodNeedsAV1Endpoint(t *testing.T) {
	c, err := graph.New(graph.Config{BaseURL: "https://graph.example/v2", Scope: "https://graph.example/.default", Credential: &fake.TokenCredential{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PreferredMethod(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "/v1.0") {
		t.Errorf("got %v", err)
	}
}
