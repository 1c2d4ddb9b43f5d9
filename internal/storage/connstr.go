// Package storage resolves Azure Storage connection strings for our own
// queue and table clients, which, unlike the Functions host, do not accept
// the UseDevelopmentStorage=true shorthand.
package storage

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// The Azurite / storage emulator well-known account (public, not a secret).
const (
	DevAccountName = "devstoreaccount1"
	DevAccountKey  = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// The emulator's default ports, as the .NET storage SDK assumes them for
// UseDevelopmentStorage=true.
const (
	devBlobPort  = 10000
	devQueuePort = 10001
	devTablePort = 10002
)

// DevConnectionString is the explicit connection string of an Azurite
// account; empty endpoints are left out.
func DevConnectionString(blobEndpoint, queueEndpoint, tableEndpoint string) string {
	var b strings.Builder
	b.WriteString("DefaultEndpointsProtocol=http;AccountName=" + DevAccountName + ";AccountKey=" + DevAccountKey + ";")
	for _, e := range [][2]string{{"BlobEndpoint", blobEndpoint}, {"QueueEndpoint", queueEndpoint}, {"TableEndpoint", tableEndpoint}} {
		if e[1] != "" {
			b.WriteString(e[0] + "=" + e[1] + ";")
		}
	}
	return b.String()
}

// ResolveConnectionString returns conn with the UseDevelopmentStorage=true
// shorthand expanded to Azurite's explicit string, which azqueue and aztables
// accept. Like the .NET SDK, DevelopmentStorageProxyUri replaces the scheme
// and host and keeps the emulator's default ports. Other strings are only
// normalised (spaces around parts, a trailing ';').
func ResolveConnectionString(conn string) (string, error) {
	parts, err := parseConnectionString(conn)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(parts["usedevelopmentstorage"], "true") {
		return strings.TrimSpace(conn), nil
	}
	scheme, host := "http", "127.0.0.1"
	if proxy := parts["developmentstorageproxyuri"]; proxy != "" {
		u, err := url.Parse(proxy)
		if err != nil || u.Scheme == "" || u.Hostname() == "" {
			return "", errors.New("connection string: DevelopmentStorageProxyUri is not an absolute URL")
		}
		scheme, host = u.Scheme, u.Hostname()
	}
	endpoint := func(port int) string {
		return fmt.Sprintf("%s://%s:%d/%s", scheme, host, port, DevAccountName)
	}
	return DevConnectionString(endpoint(devBlobPort), endpoint(devQueuePort), endpoint(devTablePort)), nil
}

// parseConnectionString splits "k=v;k=v" into lower-cased keys. Values are
// never put into errors: they can be account keys or SAS tokens.
func parseConnectionString(conn string) (map[string]string, error) {
	parts := map[string]string{}
	for i, p := range strings.Split(conn, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("connection string: part %d is not key=value", i+1)
		}
		parts[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	if len(parts) == 0 {
		return nil, errors.New("connection string is empty")
	}
	return parts, nil
}

// TryTimeout bounds one try of a queue or table call. azcore sets none, so
// a connection that stops answering (a dead NAT entry, a stalled front
// end) would hold an invocation until the host kills it; with a bound,
// azcore's retry policy tries again on a fresh connection. Queue and
// table operations are small: the service answers in milliseconds or
// times out on its side well within this.
const TryTimeout = 30 * time.Second

// ClientOptions are the azcore options every queue and table client uses.
func ClientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{Retry: policy.RetryOptions{TryTimeout: TryTimeout}}
}
