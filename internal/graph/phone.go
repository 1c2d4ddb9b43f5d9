package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

var _ directory.Phones = (*Client)(nil)

// phoneUserSelect is what the phone sync needs besides the source: the ids,
// and the type the guard refuses guests by.
var phoneUserSelect = []string{"id", "userPrincipalName", "accountEnabled", "userType"}

// PhoneSource implements directory.Phones with one GET and $select, so the
// read costs one resource unit.
func (c *Client) PhoneSource(ctx context.Context, idOrUPN, attribute string) (directory.PhoneSourceUser, error) {
	prop, err := sourceProperty(attribute)
	if err != nil {
		return directory.PhoneSourceUser{}, err
	}
	var u models.Userable
	err = c.do(ctx, "get user phone source", idempotent, func(ctx context.Context) (err error) {
		u, err = c.sdk.Users().ByUserId(idOrUPN).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: append(slices.Clone(phoneUserSelect), prop)},
		})
		return err
	})
	if err != nil {
		return directory.PhoneSourceUser{}, err
	}
	return directory.PhoneSourceUser{User: toUser(u), Source: strings.TrimSpace(sourceValue(u, attribute))}, nil
}

// sourceProperty is the $select name of a source attribute.
func sourceProperty(attribute string) (string, error) {
	switch {
	case attribute == directory.SourceMobilePhone:
		return "mobilePhone", nil
	case attribute == directory.SourceBusinessPhone:
		return "businessPhones", nil
	case directory.ExtensionAttributeNumber(attribute) > 0:
		return "onPremisesExtensionAttributes", nil
	}
	return "", fmt.Errorf("phone source %q is not supported", attribute)
}

func sourceValue(u models.Userable, attribute string) string {
	switch attribute {
	case directory.SourceMobilePhone:
		return deref(u.GetMobilePhone())
	case directory.SourceBusinessPhone:
		if phones := u.GetBusinessPhones(); len(phones) > 0 {
			return phones[0]
		}
		return ""
	}
	attrs := u.GetOnPremisesExtensionAttributes()
	if attrs == nil {
		return ""
	}
	return deref(extensionAttribute(attrs, directory.ExtensionAttributeNumber(attribute)))
}

// extensionAttribute picks extensionAttribute<n>; the SDK has one getter each.
func extensionAttribute(a models.OnPremisesExtensionAttributesable, n int) *string {
	getters := [...]func() *string{
		a.GetExtensionAttribute1, a.GetExtensionAttribute2, a.GetExtensionAttribute3,
		a.GetExtensionAttribute4, a.GetExtensionAttribute5, a.GetExtensionAttribute6,
		a.GetExtensionAttribute7, a.GetExtensionAttribute8, a.GetExtensionAttribute9,
		a.GetExtensionAttribute10, a.GetExtensionAttribute11, a.GetExtensionAttribute12,
		a.GetExtensionAttribute13, a.GetExtensionAttribute14, a.GetExtensionAttribute15,
	}
	if n < 1 || n > len(getters) {
		return nil
	}
	return getters[n-1]()
}

// PhoneMethods implements directory.Phones. Graph does not page this list
// (at most one phone per type).
func (c *Client) PhoneMethods(ctx context.Context, userID string) ([]directory.PhoneMethod, error) {
	var resp models.PhoneAuthenticationMethodCollectionResponseable
	err := c.do(ctx, "list phone methods", idempotent, func(ctx context.Context) (err error) {
		resp, err = c.sdk.Users().ByUserId(userID).Authentication().PhoneMethods().Get(ctx, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []directory.PhoneMethod
	for _, m := range resp.GetValue() {
		out = append(out, toPhone(m))
	}
	return out, nil
}

func toPhone(m models.PhoneAuthenticationMethodable) directory.PhoneMethod {
	p := directory.PhoneMethod{ID: deref(m.GetId()), Number: deref(m.GetPhoneNumber())}
	if t := m.GetPhoneType(); t != nil {
		p.Type = t.String()
	}
	return p
}

// CreatePhone implements directory.Phones. Unlike a TAP POST, it runs as
// idempotent: Graph refuses a second phone of a type, so a repeat after a
// lost answer either creates the phone (the first never arrived) or fails
// with 400 (it did), and the caller resolves that by listing the methods.
// Nothing can be created twice or silently replaced.
func (c *Client) CreatePhone(ctx context.Context, userID string, p directory.PhoneMethod) (directory.PhoneMethod, error) {
	body := models.NewPhoneAuthenticationMethod()
	number := p.Number
	body.SetPhoneNumber(&number)
	t, err := phoneType(p.Type)
	if err != nil {
		return directory.PhoneMethod{}, err
	}
	body.SetPhoneType(t)
	var got models.PhoneAuthenticationMethodable
	err = c.do(ctx, "create phone method", idempotent, func(ctx context.Context) (err error) {
		got, err = c.sdk.Users().ByUserId(userID).Authentication().PhoneMethods().Post(ctx, body, nil)
		return err
	})
	if err != nil {
		return directory.PhoneMethod{}, err
	}
	return toPhone(got), nil
}

func phoneType(s string) (*models.AuthenticationPhoneType, error) {
	v, _ := models.ParseAuthenticationPhoneType(s)
	t, ok := v.(*models.AuthenticationPhoneType)
	if !ok || t == nil || *t == models.UNKNOWNFUTUREVALUE_AUTHENTICATIONPHONETYPE {
		return nil, fmt.Errorf("phone type %q is not mobile, alternateMobile or office", s)
	}
	return t, nil
}

// UpdatePhone implements directory.Phones. PATCH sets a value, so
// repeating it is harmless; Graph answers 204.
func (c *Client) UpdatePhone(ctx context.Context, userID, methodID, number string) error {
	body := models.NewPhoneAuthenticationMethod()
	body.SetPhoneNumber(&number)
	return c.do(ctx, "update phone method", idempotent, func(ctx context.Context) error {
		_, err := c.sdk.Users().ByUserId(userID).Authentication().PhoneMethods().
			ByPhoneAuthenticationMethodId(methodID).Patch(ctx, body, nil)
		return err
	})
}

// DeletePhone implements directory.Phones.
func (c *Client) DeletePhone(ctx context.Context, userID, methodID string) error {
	return c.DeleteMethod(ctx, userID, directory.Method{ID: methodID, Type: directory.MethodPhone})
}
