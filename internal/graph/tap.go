package graph

import (
	"context"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/redact"
)

// CreateTAP implements directory.Directory. It runs under the `once`
// safety: a lost answer is ErrOutcomeUnknown, never a second POST.
func (c *Client) CreateTAP(ctx context.Context, userID string, req directory.TAPRequest) (directory.TAP, error) {
	body := models.NewTemporaryAccessPassAuthenticationMethod()
	lifetime := int32(req.LifetimeMinutes)
	usableOnce := req.UsableOnce
	body.SetLifetimeInMinutes(&lifetime)
	body.SetIsUsableOnce(&usableOnce)
	var got models.TemporaryAccessPassAuthenticationMethodable
	err := c.do(ctx, "create temporary access pass", once, func(ctx context.Context) (err error) {
		got, err = c.sdk.Users().ByUserId(userID).Authentication().TemporaryAccessPassMethods().Post(ctx, body, nil)
		return err
	})
	if err != nil {
		return directory.TAP{}, err
	}
	tap := directory.TAP{
		ID:              deref(got.GetId()),
		Pass:            redact.New(deref(got.GetTemporaryAccessPass())),
		LifetimeMinutes: int(deref(got.GetLifetimeInMinutes())),
		UsableOnce:      deref(got.GetIsUsableOnce()),
	}
	if t := got.GetCreatedDateTime(); t != nil {
		tap.Created = t.UTC()
	}
	if t := got.GetStartDateTime(); t != nil {
		tap.Start = t.UTC()
	}
	if tap.Created.IsZero() {
		tap.Created = time.Now().UTC()
	}
	return tap, nil
}

// DeleteTAP implements directory.Directory.
func (c *Client) DeleteTAP(ctx context.Context, userID, tapID string) error {
	return c.do(ctx, "delete temporary access pass", idempotent, func(ctx context.Context) error {
		return c.sdk.Users().ByUserId(userID).Authentication().TemporaryAccessPassMethods().
			ByTemporaryAccessPassAuthenticationMethodId(tapID).Delete(ctx, nil)
	})
}
