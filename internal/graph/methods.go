package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// ListMethods implements directory.Directory. Graph does not page this list.
func (c *Client) ListMethods(ctx context.Context, userID string) ([]directory.Method, error) {
	var resp models.AuthenticationMethodCollectionResponseable
	err := c.do(ctx, "list authentication methods", idempotent, func(ctx context.Context) (err error) {
		resp, err = c.sdk.Users().ByUserId(userID).Authentication().Methods().Get(ctx, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []directory.Method
	for _, m := range resp.GetValue() {
		method := directory.Method{ID: deref(m.GetId()), Type: methodType(deref(m.GetOdataType()))}
		if p, ok := m.(models.PhoneAuthenticationMethodable); ok && p.GetPhoneType() != nil {
			method.PhoneType = p.GetPhoneType().String()
		}
		out = append(out, method)
	}
	return out, nil
}

// methodType turns "#microsoft.graph.fido2AuthenticationMethod" into "fido2".
func methodType(odataType string) directory.MethodType {
	t := strings.TrimPrefix(odataType, "#")
	t = strings.TrimPrefix(t, "microsoft.graph.")
	return directory.MethodType(strings.TrimSuffix(t, "AuthenticationMethod"))
}

// DeleteMethod implements directory.Directory through the typed endpoint.
func (c *Client) DeleteMethod(ctx context.Context, userID string, m directory.Method) error {
	del, err := c.methodDeleter(userID, m)
	if err != nil {
		return err
	}
	return c.do(ctx, "delete "+string(m.Type)+" method", idempotent, del)
}

func (c *Client) methodDeleter(userID string, m directory.Method) (func(context.Context) error, error) {
	a := c.sdk.Users().ByUserId(userID).Authentication()
	switch m.Type {
	case directory.MethodPhone:
		return func(ctx context.Context) error {
			return a.PhoneMethods().ByPhoneAuthenticationMethodId(m.ID).Delete(ctx, nil)
		}, nil
	case directory.MethodAuthenticator:
		return func(ctx context.Context) error {
			return a.MicrosoftAuthenticatorMethods().ByMicrosoftAuthenticatorAuthenticationMethodId(m.ID).Delete(ctx, nil)
		}, nil
	case directory.MethodSoftwareOath:
		return func(ctx context.Context) error {
			return a.SoftwareOathMethods().BySoftwareOathAuthenticationMethodId(m.ID).Delete(ctx, nil)
		}, nil
	case directory.MethodFido2:
		return func(ctx context.Context) error {
			return a.Fido2Methods().ByFido2AuthenticationMethodId(m.ID).Delete(ctx, nil)
		}, nil
	case directory.MethodWindowsHello:
		return func(ctx context.Context) error {
			return a.WindowsHelloForBusinessMethods().ByWindowsHelloForBusinessAuthenticationMethodId(m.ID).Delete(ctx, nil)
		}, nil
	case directory.MethodEmail:
		return func(ctx context.Context) error {
			return a.EmailMethods().ByEmailAuthenticationMethodId(m.ID).Delete(ctx, nil)
		}, nil
	case directory.MethodPlatformCredential:
		return func(ctx context.Context) error {
			return a.PlatformCredentialMethods().ByPlatformCredentialAuthenticationMethodId(m.ID).Delete(ctx, nil)
		}, nil
	case directory.MethodTAP:
		return func(ctx context.Context) error {
			return a.TemporaryAccessPassMethods().ByTemporaryAccessPassAuthenticationMethodId(m.ID).Delete(ctx, nil)
		}, nil
	}
	return nil, fmt.Errorf("%w: %s", directory.ErrUnsupportedMethod, m.Type)
}
