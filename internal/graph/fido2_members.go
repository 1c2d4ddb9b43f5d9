package graph

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// groupUserSelect is what enrolment needs of each user: who, and whether
// the guard lets them through (disabled accounts and guests are skipped).
var groupUserSelect = []string{"id", "userPrincipalName", "displayName", "accountEnabled", "userType"}

// GroupUsersPage implements directory.Fido2 with
// GET /groups/{id}/transitiveMembers/microsoft.graph.user, 999 a page. An
// OData cast on a membership list is an advanced query: it needs
// ConsistencyLevel: eventual and $count=true
// (learn.microsoft.com/graph/aad-advanced-queries). One page per call, so
// a worker can continue from the nextLink in a follow-up message.
func (c *Client) GroupUsersPage(ctx context.Context, groupID, next string) ([]directory.User, string, error) {
	if !directory.IsObjectID(groupID) {
		return nil, "", fmt.Errorf("list group users: group id %q is not an object id", groupID)
	}
	path := "/groups/" + groupID + "/transitiveMembers/microsoft.graph.user"
	if next == "" {
		// Built by hand: the SDK's builder writes the cast as "graph.user",
		// an alias Graph also takes; the documented form is used here.
		q := url.Values{"$select": {strings.Join(groupUserSelect, ",")}, "$top": {"999"}, "$count": {"true"}}
		next = c.baseURL + path + "?" + q.Encode()
	} else if err := c.checkNextLink(next, path); err != nil {
		return nil, "", err
	}
	headers := abs.NewRequestHeaders()
	headers.Add("ConsistencyLevel", "eventual")
	cfg := &groups.ItemTransitiveMembersGraphUserRequestBuilderGetRequestConfiguration{Headers: headers}
	builder := c.sdk.Groups().ByGroupId(groupID).TransitiveMembers().GraphUser().WithUrl(next)
	var page models.UserCollectionResponseable
	err := c.do(ctx, "list group users", idempotent, func(ctx context.Context) (err error) {
		page, err = builder.Get(ctx, cfg)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	users := make([]directory.User, 0, len(page.GetValue()))
	for _, u := range page.GetValue() {
		users = append(users, toUser(u))
	}
	return users, deref(page.GetOdataNextLink()), nil
}

// checkNextLink refuses a link that is not the continuation of path on the
// configured Graph endpoint: the link comes back from a queue message, and
// the SDK would send our token wherever it points within the allowed host.
func (c *Client) checkNextLink(next, path string) error {
	base, err := url.Parse(c.baseURL)
	if err != nil {
		return fmt.Errorf("next link: %w", err)
	}
	u, err := url.Parse(next)
	if err != nil || !u.IsAbs() || u.User != nil || !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) ||
		!strings.EqualFold(u.Path, base.Path+path) {
		return fmt.Errorf("next link is not a continuation of %s on %s", path, base.Host)
	}
	return nil
}
