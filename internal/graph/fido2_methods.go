package graph

import (
	"context"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// ListFido2 implements directory.Fido2 (GET .../fido2Methods).
func (c *Client) ListFido2(ctx context.Context, userID string) ([]directory.Fido2Method, error) {
	builder := c.sdk.Users().ByUserId(userID).Authentication().Fido2Methods()
	var out []directory.Fido2Method
	err := walk(ctx, c, "list passkeys",
		func(ctx context.Context) (models.Fido2AuthenticationMethodCollectionResponseable, error) {
			return builder.Get(ctx, nil)
		},
		func(ctx context.Context, next string) (models.Fido2AuthenticationMethodCollectionResponseable, error) {
			return builder.WithUrl(next).Get(ctx, nil)
		},
		func(page models.Fido2AuthenticationMethodCollectionResponseable) {
			for _, m := range page.GetValue() {
				out = append(out, toFido2Method(m))
			}
		})
	return out, err
}

// toFido2Method reads the SDK model; passkeyType is newer than the SDK's
// model and arrives in its additional data.
func toFido2Method(m models.Fido2AuthenticationMethodable) directory.Fido2Method {
	out := directory.Fido2Method{
		ID: deref(m.GetId()), DisplayName: deref(m.GetDisplayName()), AAGUID: deref(m.GetAaGuid()),
		Model: deref(m.GetModel()), AttestationCertificates: m.GetAttestationCertificates(),
	}
	if t := m.GetCreatedDateTime(); t != nil {
		out.Created = t.UTC()
	}
	if l := m.GetAttestationLevel(); l != nil {
		out.AttestationLevel = l.String()
	}
	if p, ok := m.GetAdditionalData()["passkeyType"].(*string); ok {
		out.PasskeyType = deref(p)
	}
	return out
}

// DeleteFido2 implements directory.Fido2; deleting is idempotent.
func (c *Client) DeleteFido2(ctx context.Context, userID, methodID string) error {
	return c.do(ctx, "delete passkey", idempotent, func(ctx context.Context) error {
		return c.sdk.Users().ByUserId(userID).Authentication().Fido2Methods().
			ByFido2AuthenticationMethodId(methodID).Delete(ctx, nil)
	})
}
