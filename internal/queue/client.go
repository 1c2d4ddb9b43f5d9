package queue

import (
	"fmt"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/storage"
)

// ServiceClient builds a client from a connection string, including the
// UseDevelopmentStorage=true shorthand (see storage.ResolveConnectionString).
func ServiceClient(conn string) (*azqueue.ServiceClient, error) {
	resolved, err := storage.ResolveConnectionString(conn)
	if err != nil {
		return nil, err
	}
	c, err := azqueue.NewServiceClientFromConnectionString(resolved, &azqueue.ClientOptions{ClientOptions: storage.ClientOptions()})
	if err != nil {
		// azqueue's errors name missing keys, never values.
		return nil, fmt.Errorf("queue client from connection string: %w", err)
	}
	return c, nil
}

// ServiceClientWithCredential builds a client for identity-based settings:
// serviceURL is <prefix>__queueServiceUri (https://<account>.queue.core.windows.net)
// and cred typically a managed identity. azcore refuses to send a token over
// plain http, so serviceURL must be https.
func ServiceClientWithCredential(serviceURL string, cred azcore.TokenCredential) (*azqueue.ServiceClient, error) {
	u, err := url.Parse(serviceURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("queue service URL %q: want https://<account>.queue.core.windows.net", serviceURL)
	}
	if cred == nil {
		return nil, fmt.Errorf("queue service %s: no credential", u.Host)
	}
	c, err := azqueue.NewServiceClient(serviceURL, cred, &azqueue.ClientOptions{ClientOptions: storage.ClientOptions()})
	if err != nil {
		return nil, fmt.Errorf("queue client for %s: %w", u.Host, err)
	}
	return c, nil
}
