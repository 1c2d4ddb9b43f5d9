package graph

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/auditlogs"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

var (
	_ directory.GroupMembers = (*Client)(nil)
	_ directory.TAPRemover   = (*Client)(nil)
)

// The audit log is a reporting API: 5 requests per 10 s per app and tenant
// (learn.microsoft.com/graph/throttling-limits). Pages after the first wait
// reportPace, four per 10 s, leaving room for other callers of the same
// budget; a run reads at most maxAuditPages pages.
const (
	reportPace    = 2500 * time.Millisecond
	maxAuditPages = 10
	auditPageSize = 999
)

// ListGroupMembers implements directory.GroupMembers: direct members only,
// $select=id (the @odata.type still tells users from groups), 999 a page.
func (c *Client) ListGroupMembers(ctx context.Context, groupID string) ([]directory.Member, error) {
	if !directory.IsObjectID(groupID) {
		return nil, fmt.Errorf("list group members: group id %q is not an object id", groupID)
	}
	top := int32(999)
	cfg := &groups.ItemMembersRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.ItemMembersRequestBuilderGetQueryParameters{Select: []string{"id"}, Top: &top},
	}
	builder := c.sdk.Groups().ByGroupId(groupID).Members()
	var out []directory.Member
	err := walk(ctx, c, "list group members",
		func(ctx context.Context) (models.DirectoryObjectCollectionResponseable, error) {
			return builder.Get(ctx, cfg)
		},
		func(ctx context.Context, next string) (models.DirectoryObjectCollectionResponseable, error) {
			return builder.WithUrl(next).Get(ctx, nil)
		},
		func(page models.DirectoryObjectCollectionResponseable) {
			for _, obj := range page.GetValue() {
				out = append(out, toMember(obj))
			}
		})
	return out, err
}

func toMember(obj models.DirectoryObjectable) directory.Member {
	m := directory.Member{ID: strings.ToLower(deref(obj.GetId())), Kind: directory.MemberOther,
		Type: strings.TrimPrefix(deref(obj.GetOdataType()), "#microsoft.graph.")}
	switch obj.(type) {
	case models.Userable:
		m.Kind = directory.MemberUser
	case models.Groupable:
		m.Kind = directory.MemberGroup
	}
	return m
}

// RemoveGroupMember implements directory.GroupMembers. The ids are checked
// before anything is sent: the only request this can make is
// DELETE /groups/{id}/members/{id}/$ref, whose builder is reached through
// Ref(). (The SDK's directoryObject item builder under members has no
// Delete at all, and must never be given one: without /$ref, Graph deletes
// the user.)
func (c *Client) RemoveGroupMember(ctx context.Context, groupID, memberID string) error {
	if !directory.IsObjectID(groupID) || !directory.IsObjectID(memberID) {
		return fmt.Errorf("remove group member: %q / %q are not object ids", groupID, memberID)
	}
	ref := c.sdk.Groups().ByGroupId(groupID).Members().ByDirectoryObjectId(memberID).Ref()
	return c.do(ctx, "remove group member", idempotent, func(ctx context.Context) error {
		return ref.Delete(ctx, nil)
	})
}

// GroupAddAudits implements directory.GroupMembers with one filtered
// auditLogs/directoryAudits query, paged and paced.
func (c *Client) GroupAddAudits(ctx context.Context, groupID string, since time.Time) (directory.AddLog, error) {
	if !directory.IsObjectID(groupID) {
		return directory.AddLog{}, fmt.Errorf("list directory audits: group id %q is not an object id", groupID)
	}
	filter := addAuditFilter(groupID, since)
	top := int32(auditPageSize)
	cfg := &auditlogs.DirectoryAuditsRequestBuilderGetRequestConfiguration{
		QueryParameters: &auditlogs.DirectoryAuditsRequestBuilderGetQueryParameters{Filter: &filter, Top: &top},
	}
	builder := c.sdk.AuditLogs().DirectoryAudits()
	var log directory.AddLog
	for link := ""; log.Queries < maxAuditPages; {
		if log.Queries > 0 {
			if err := c.retry.Sleep(ctx, reportPace); err != nil {
				return directory.AddLog{}, fmt.Errorf("list directory audits: %w", err)
			}
		}
		var page models.DirectoryAuditCollectionResponseable
		err := c.do(ctx, "list directory audits", idempotent, func(ctx context.Context) (err error) {
			if link == "" {
				page, err = builder.Get(ctx, cfg)
			} else {
				page, err = builder.WithUrl(link).Get(ctx, nil)
			}
			return err
		})
		if err != nil {
			return directory.AddLog{}, err
		}
		log.Queries++
		log.Adds = append(log.Adds, addsOf(page.GetValue(), groupID)...)
		if link = deref(page.GetOdataNextLink()); link == "" {
			log.Complete = true
			break
		}
	}
	return log, nil
}

// addAuditFilter is the documented filter: activity, target group, time.
// groupID is a checked GUID, so nothing can be injected into it.
func addAuditFilter(groupID string, since time.Time) string {
	return "activityDisplayName eq 'Add member to group' and targetResources/any(t: t/id eq '" +
		strings.ToLower(groupID) + "') and activityDateTime ge " + since.UTC().Format(time.RFC3339)
}

// addsOf keeps the successful adds whose parent group is groupID.
func addsOf(entries []models.DirectoryAuditable, groupID string) []directory.AddAudit {
	var out []directory.AddAudit
	for _, e := range entries {
		if e.GetResult() == nil || *e.GetResult() != models.SUCCESS_OPERATIONRESULT || e.GetActivityDateTime() == nil {
			continue
		}
		if id := addedMember(e.GetTargetResources(), groupID); id != "" {
			out = append(out, directory.AddAudit{MemberID: id, At: e.GetActivityDateTime().UTC()})
		}
	}
	return out
}

// addedMember finds who joined groupID. The filter also matches an entry
// where groupID itself joined another group, so the member must be a
// target other than groupID whose Group.ObjectID property names groupID;
// a user target without that property is accepted (a user is never the
// parent).
func addedMember(targets []models.TargetResourceable, groupID string) string {
	for _, t := range targets {
		id := strings.ToLower(deref(t.GetId()))
		if id == "" || strings.EqualFold(id, groupID) {
			continue
		}
		parent, named := parentGroup(t.GetModifiedProperties())
		if named && strings.EqualFold(parent, groupID) {
			return id
		}
		if !named && strings.EqualFold(deref(t.GetTypeEscaped()), "User") {
			return id
		}
	}
	return ""
}

// parentGroup reads the Group.ObjectID modified property (a quoted JSON
// string such as "\"2000...\"").
func parentGroup(props []models.ModifiedPropertyable) (string, bool) {
	for _, p := range props {
		if deref(p.GetDisplayName()) == "Group.ObjectID" {
			return strings.Trim(deref(p.GetNewValue()), `"`), true
		}
	}
	return "", false
}
