package keyvault_test

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/keyvault"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
)

// The production wiring end to end: azidentity's managed-identity
// credential gets a token for the scope the vault's challenge names, and the
// vault accepts only a token that verifies for that audience and identity.
func TestManagedIdentityTokenThroughChallenge(t *testing.T) {
	// The vault's resource is fixed, so a user-assigned identity with a
	// fresh client id keeps MSAL's process-wide token cache from serving a
	// token from an earlier run (go test -count=2).
	appID := "ua-" + rand.Text()
	idp, err := oidc.Start(oidc.Options{Identities: []oidc.Identity{{ClientID: appID, ObjectID: appID, UserAssigned: true}}})
	if err != nil {
		t.Fatal(err)
	}
	defer idp.Close()
	for k, v := range idp.IdentityEnv() {
		t.Setenv(k, v)
	}
	verifier, err := callerauth.NewVerifier(context.Background(), callerauth.Config{
		TenantID: idp.TenantID(), Audiences: []string{"https://vault.azure.net"},
		AllowedAppIDs: []string{appID}, JWKSURL: idp.JWKSURL(), HTTPClient: idp.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	vault := keyvault.Start(keyvault.Options{TenantID: idp.TenantID(), Authorize: func(tok string) error {
		_, err := verifier.Verify(context.Background(), "Bearer "+tok)
		return err
	}})
	defer vault.Close()
	vault.SetSecret("k", "v")

	cred, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{ID: azidentity.ClientID(appID)})
	if err != nil {
		t.Fatal(err)
	}
	client, err := vault.NewClient(cred)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.GetSecret(context.Background(), "k", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if *resp.Value != "v" || idp.TokenRequests() != 1 {
		t.Fatalf("value %q, token requests %d", *resp.Value, idp.TokenRequests())
	}
}
