package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/identitygovernance"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// RevokeSessions implements directory.Directory. Revoking twice is
// harmless, so it retries like a read.
func (c *Client) RevokeSessions(ctx context.Context, userID string) error {
	return c.do(ctx, "revoke sign-in sessions", idempotent, func(ctx context.Context) error {
		_, err := c.sdk.Users().ByUserId(userID).RevokeSignInSessions().PostAsRevokeSignInSessionsPostResponse(ctx, nil)
		return err
	})
}

// AddGroupMember implements directory.Directory. Graph answers 400 "already
// exist" for a member; that is the state we want, so it is success.
func (c *Client) AddGroupMember(ctx context.Context, groupID, userID string) error {
	ref := models.NewReferenceCreate()
	id := c.baseURL + "/directoryObjects/" + userID
	ref.SetOdataId(&id)
	err := c.do(ctx, "add group member", idempotent, func(ctx context.Context) error {
		return c.sdk.Groups().ByGroupId(groupID).Members().Ref().Post(ctx, ref, nil)
	})
	var de *directory.Error
	if errors.As(err, &de) && de.Status == 400 && strings.Contains(strings.ToLower(de.Message), "already exist") {
		return nil
	}
	return err
}

// Resume implements directory.Directory (v1.0 assignmentRequests/{id}/resume).
func (c *Client) Resume(ctx context.Context, requestID string, r directory.Resume) error {
	body := identitygovernance.NewEntitlementManagementAssignmentRequestsItemResumePostRequestBody()
	body.SetSource(&r.Source)
	body.SetTypeEscaped(&r.Type)
	data := models.NewAccessPackageAssignmentRequestCallbackData()
	stage, err := models.ParseAccessPackageCustomExtensionStage(r.Stage)
	if err != nil || stage == nil {
		return &directory.Error{Op: "resume", Message: "unknown stage " + r.Stage}
	}
	data.SetStage(stage.(*models.AccessPackageCustomExtensionStage))
	data.SetCustomExtensionStageInstanceId(&r.StageInstanceID)
	data.SetCustomExtensionStageInstanceDetail(&r.Detail)
	if r.State != "" {
		data.SetState(&r.State)
	}
	body.SetData(data)
	return c.do(ctx, "resume access package request", idempotent, func(ctx context.Context) error {
		return c.sdk.IdentityGovernance().EntitlementManagement().AssignmentRequests().
			ByAccessPackageAssignmentRequestId(requestID).Resume().Post(ctx, body, nil)
	})
}
