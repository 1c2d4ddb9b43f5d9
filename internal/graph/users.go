package graph

import (
	"context"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

var userSelect = []string{"id", "userPrincipalName", "displayName", "mail", "accountEnabled", "userType"}

// User implements directory.Directory.
func (c *Client) User(ctx context.Context, idOrUPN string) (directory.User, error) {
	var u models.Userable
	err := c.do(ctx, "get user", idempotent, func(ctx context.Context) (err error) {
		u, err = c.sdk.Users().ByUserId(idOrUPN).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userSelect},
		})
		return err
	})
	if err != nil {
		return directory.User{}, err
	}
	return toUser(u), nil
}

// Manager implements directory.Directory.
func (c *Client) Manager(ctx context.Context, userID string) (directory.User, error) {
	var obj models.DirectoryObjectable
	err := c.do(ctx, "get manager", idempotent, func(ctx context.Context) (err error) {
		obj, err = c.sdk.Users().ByUserId(userID).Manager().Get(ctx, &users.ItemManagerRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemManagerRequestBuilderGetQueryParameters{Select: userSelect},
		})
		return err
	})
	if err != nil {
		return directory.User{}, err
	}
	u, ok := obj.(models.Userable)
	if !ok {
		// A manager can in principle be an org contact; we deliver only to users.
		return directory.User{}, &directory.Error{Op: "get manager", Status: 200, Message: "manager is not a user", Kind: directory.ErrNotFound}
	}
	return toUser(u), nil
}

func toUser(u models.Userable) directory.User {
	return directory.User{
		ID:             deref(u.GetId()),
		UPN:            deref(u.GetUserPrincipalName()),
		DisplayName:    deref(u.GetDisplayName()),
		Mail:           deref(u.GetMail()),
		AccountEnabled: deref(u.GetAccountEnabled()),
		UserType:       deref(u.GetUserType()),
	}
}

// Memberships implements directory.Directory: one paged walk of
// transitiveMemberOf yields both the groups (nested included, so a
// break-glass group inside another still counts) and the active roles.
func (c *Client) Memberships(ctx context.Context, userID string) (directory.Memberships, error) {
	var m directory.Memberships
	top := int32(999)
	cfg := &users.ItemTransitiveMemberOfRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemTransitiveMemberOfRequestBuilderGetQueryParameters{
			Select: []string{"id", "displayName", "isAssignableToRole"}, Top: &top,
		},
	}
	builder := c.sdk.Users().ByUserId(userID).TransitiveMemberOf()
	err := walk(ctx, c, "list memberships",
		func(ctx context.Context) (models.DirectoryObjectCollectionResponseable, error) {
			return builder.Get(ctx, cfg)
		},
		func(ctx context.Context, next string) (models.DirectoryObjectCollectionResponseable, error) {
			return builder.WithUrl(next).Get(ctx, nil)
		},
		func(page models.DirectoryObjectCollectionResponseable) {
			for _, obj := range page.GetValue() {
				switch o := obj.(type) {
				case models.DirectoryRoleable:
					m.ActiveRoles = append(m.ActiveRoles, deref(o.GetDisplayName()))
				case models.Groupable:
					m.GroupIDs = append(m.GroupIDs, deref(o.GetId()))
					if deref(o.GetIsAssignableToRole()) {
						m.RoleAssignableGroupIDs = append(m.RoleAssignableGroupIDs, deref(o.GetId()))
					}
				}
			}
		})
	return m, err
}
