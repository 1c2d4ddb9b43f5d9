package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// signInPreferences is beta only and has no builder in msgraph-sdk-go
// (reference §3): both calls are built by hand and sent through the SDK's
// request adapter, so they share its auth, middleware and error mapping.
// The adapter sets {+baseurl} to the v1.0 endpoint on every send, so the
// beta root is a parameter of its own.
const signInPreferencesTemplate = "{+betaurl}/users/{user%2Did}/authentication/signInPreferences"

var odataErrors = abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// PreferredMethod implements directory.Directory (beta GET
// /users/{id}/authentication/signInPreferences).
func (c *Client) PreferredMethod(ctx context.Context, userID string) (string, error) {
	info, err := c.signInPreferencesRequest(abs.GET, userID)
	if err != nil {
		return "", err
	}
	var body []byte
	err = c.do(ctx, "read sign-in preferences", idempotent, func(ctx context.Context) error {
		raw, err := c.sdk.RequestAdapter.SendPrimitive(ctx, info, "[]byte", odataErrors)
		body, _ = raw.([]byte)
		return err
	})
	if err != nil {
		return "", err
	}
	var prefs struct {
		Preferred *string `json:"userPreferredMethodForSecondaryAuthentication"`
	}
	if err := json.Unmarshal(body, &prefs); err != nil {
		return "", fmt.Errorf("graph read sign-in preferences: %w", err)
	}
	return deref(prefs.Preferred), nil
}

// SetPreferredMethod implements directory.Directory (beta PATCH
// signInPreferences, 204). Setting the same value twice is harmless, so it
// retries like a read.
func (c *Client) SetPreferredMethod(ctx context.Context, userID, preferred string) error {
	info, err := c.signInPreferencesRequest(abs.PATCH, userID)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]string{"userPreferredMethodForSecondaryAuthentication": preferred})
	if err != nil {
		return err
	}
	info.SetStreamContentAndContentType(body, "application/json")
	return c.do(ctx, "set sign-in preferences", idempotent, func(ctx context.Context) error {
		return c.sdk.RequestAdapter.SendNoContent(ctx, info, odataErrors)
	})
}

func (c *Client) signInPreferencesRequest(method abs.HttpMethod, userID string) (*abs.RequestInformation, error) {
	beta, err := c.betaBaseURL()
	if err != nil {
		return nil, err
	}
	info := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(method, signInPreferencesTemplate,
		map[string]string{"betaurl": beta, "user%2Did": userID})
	info.Headers.TryAdd("Accept", "application/json")
	return info, nil
}

// betaBaseURL is the configured v1.0 endpoint's beta sibling, in the same
// cloud and on the same host the token is scoped to.
func (c *Client) betaBaseURL() (string, error) {
	root, ok := strings.CutSuffix(c.baseURL, "/v1.0")
	if !ok {
		return "", fmt.Errorf("graph base URL %q does not end in /v1.0: no beta endpoint beside it", c.baseURL)
	}
	return root + "/beta", nil
}
