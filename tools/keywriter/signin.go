package main

import (
	"context"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// signIn is the operator's own identity, never a secret on the desk: the
// Azure CLI's sign-in, an interactive browser, or a device code.
func signIn(auth, tenant string) (azcore.TokenCredential, error) {
	switch auth {
	case "cli":
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: tenant})
	case "browser":
		return azidentity.NewInteractiveBrowserCredential(&azidentity.InteractiveBrowserCredentialOptions{TenantID: tenant})
	case "device":
		return azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{TenantID: tenant,
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				_, err := fmt.Fprintln(os.Stderr, m.Message)
				return err
			}})
	}
	return nil, fmt.Errorf("--auth must be cli, browser or device, not %q", auth)
}
