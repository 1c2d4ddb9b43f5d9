package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

var _ directory.Fido2 = (*Client)(nil)

// Beta creationOptions(challengeTimeoutInMinutes) bounds; v1.0 fixes the
// challenge at 5 minutes, too short for a desk that writes keys later
// (api-reference/beta/api/fido2authenticationmethod-creationoptions.md).
const (
	minChallengeMinutes = 5
	maxChallengeMinutes = 43200
)

// CreationOptions implements directory.Fido2 with beta
// GET /users/{id}/authentication/fido2Methods/creationOptions(challengeTimeoutInMinutes=N).
// It is a read, retried under the shared policy.
func (c *Client) CreationOptions(ctx context.Context, userID string, minutes int) (json.RawMessage, time.Time, error) {
	if minutes < minChallengeMinutes || minutes > maxChallengeMinutes {
		return nil, time.Time{}, fmt.Errorf("creation options: challenge timeout %d minutes is outside %d..%d", minutes, minChallengeMinutes, maxChallengeMinutes)
	}
	beta, err := c.betaBaseURL()
	if err != nil {
		return nil, time.Time{}, err
	}
	target, err := url.Parse(beta + "/users/" + url.PathEscape(userID) +
		"/authentication/fido2Methods/creationOptions(challengeTimeoutInMinutes=" + strconv.Itoa(minutes) + ")")
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("creation options: %w", err)
	}
	var body []byte
	err = c.do(ctx, "get passkey creation options", idempotent, func(ctx context.Context) (err error) {
		body, err = c.send(ctx, abs.GET, target, nil)
		return err
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return unwrapCreationOptions(body)
}

// RegisterFido2 implements directory.Fido2 with POST
// /users/{id}/authentication/fido2Methods (v1.0, UserAuthMethod-Passkey.ReadWrite.All).
// A second POST of the same attestation can never succeed (the challenge
// is spent), so it runs "once": a lost answer is ErrOutcomeUnknown.
func (c *Client) RegisterFido2(ctx context.Context, userID string, reg directory.Fido2Registration) (directory.Fido2Method, error) {
	if len(reg.CredentialID) == 0 || len(reg.ClientDataJSON) == 0 || len(reg.AttestationObject) == 0 {
		return directory.Fido2Method{}, fmt.Errorf("register passkey: credential id, clientDataJSON and attestationObject are required")
	}
	payload, err := json.Marshal(registrationBody(reg))
	if err != nil {
		return directory.Fido2Method{}, fmt.Errorf("register passkey: %w", err)
	}
	target, err := url.Parse(c.baseURL + "/users/" + url.PathEscape(userID) + "/authentication/fido2Methods")
	if err != nil {
		return directory.Fido2Method{}, fmt.Errorf("register passkey: %w", err)
	}
	var body []byte
	err = c.do(ctx, "register passkey", once, func(ctx context.Context) (err error) {
		body, err = c.send(ctx, abs.POST, target, payload)
		return err
	})
	if err != nil {
		return directory.Fido2Method{}, err
	}
	return decodeFido2Method(body)
}

// registrationBody is what the documentation and working clients send:
// displayName and publicKeyCredential {id, response {clientDataJSON,
// attestationObject}, clientExtensionResults}, binary values base64url
// without padding (api-reference/v1.0/api/authentication-post-fido2methods.md).
func registrationBody(reg directory.Fido2Registration) map[string]any {
	enc := credid.Encode
	body := map[string]any{
		"publicKeyCredential": map[string]any{
			"id": enc(reg.CredentialID),
			"response": map[string]string{
				"clientDataJSON":    enc(reg.ClientDataJSON),
				"attestationObject": enc(reg.AttestationObject),
			},
			"clientExtensionResults": map[string]any{},
		},
	}
	if reg.DisplayName != "" {
		body["displayName"] = reg.DisplayName
	}
	return body
}

// send runs one request through the SDK's adapter and returns the body.
// The SDK has no builder for creationOptions nor for POST fido2Methods;
// the adapter gives them the same authentication, middleware and error
// mapping as every other call.
func (c *Client) send(ctx context.Context, method abs.HttpMethod, target *url.URL, payload []byte) ([]byte, error) {
	ri := abs.NewRequestInformation()
	ri.Method = method
	ri.SetUri(*target)
	ri.Headers.TryAdd("Accept", "application/json")
	if payload != nil {
		ri.SetStreamContentAndContentType(payload, "application/json")
	}
	res, err := c.sdk.GetAdapter().SendPrimitive(ctx, ri, "[]byte", odataErrors)
	if err != nil {
		return nil, err
	}
	body, _ := res.([]byte)
	return body, nil
}
