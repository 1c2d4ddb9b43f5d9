package callout

import "strings"

// Callout is what we take from one Entitlement Management callout.
type Callout struct {
	RequestID           string // AccessPackageAssignmentRequestId
	StageInstanceID     string // CustomExtensionStageInstanceId
	CallbackURIPath     string // CallbackUriPath, a Graph path checked by Parse
	Stage               string // e.g. "assignmentRequestApproved", Graph's casing when known
	RequestType         string // e.g. "UserAdd"
	TargetObjectID      string // Assignment.Target.ObjectId: the user whose MFA is reset
	TargetPrincipalName string // Assignment.Target.PrincipalName, optional, display only
	RequestorObjectID   string // Requestor.ObjectId, optional
	AccessPackageID     string // AccessPackage.Id, optional
	AccessPackageName   string // AccessPackage.DisplayName, optional, display only
	CatalogID           string // AccessPackageCatalog.Id, optional

	// ConnectionTest marks the test call Entra makes when the extension is
	// created. Acknowledge it and do nothing; only Stage is set.
	ConnectionTest bool
}

// IdempotencyKey identifies one callout delivery target: the same request
// reaching the same stage instance again (an Entra retry, a replay, a
// redelivered queue message) yields the same key. GUIDs are compared
// case-insensitively, hence the lower-casing.
func (c Callout) IdempotencyKey() string {
	return strings.ToLower(c.RequestID + "/" + c.StageInstanceID)
}

// Validate checks c again (for a Callout that did not come straight from
// Parse, e.g. one read back from a queue message) and that its stage is one
// the caller handles. Stages compare case-insensitively. A connection test
// never validates: it carries no request, so callers branch on
// ConnectionTest first.
func (c Callout) Validate(allowedStages []string) error {
	if c.ConnectionTest {
		return fail(fieldStage, "connection test carries no request to process")
	}
	if err := c.check(); err != nil {
		return err
	}
	if !stageIn(c.Stage, allowedStages) {
		return fail(fieldStage, "not an allowed stage")
	}
	return nil
}
