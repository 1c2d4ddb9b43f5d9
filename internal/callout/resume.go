package callout

import "github.com/passkeyfirst/entra-mfa-recovery/internal/directory"

// ResumeSource is the "source" we report in resume calls. The CSDL declares
// the parameter Unicode="false", so it stays ASCII.
const ResumeSource = "PasskeyFirst.MfaRecovery"

// StateDenied is the resume "state" that denies the request
// (accessPackageRequestState member "denied", v1.0 CSDL).
const StateDenied = "denied"

// MaxDetailLength caps customExtensionStageInstanceDetail, in characters.
// Neither the v1.0 CSDL (Edm.String, no MaxLength) nor the resource page
// (accesspackageassignmentrequestcallbackdata) documents a limit, so we pick
// 1000: enough for a reason an approver can act on, short enough for any UI.
const MaxDetailLength = 1000

const resumeTypePrefix = "microsoft.graph.accessPackageCustomExtensionStage."

// Outcome is what the MFA reset worker reports for one request.
type Outcome struct {
	Succeeded bool   // the reset and TAP delivery completed
	Detail    string // reason shown to approvers; cleaned and capped by ResumeData
	Deny      bool   // ask Entitlement Management to deny the request
}

// Resume is the data of one accessPackageAssignmentRequest resume call, in
// the directory port's type; the Graph adapter maps it onto the request.
type Resume = directory.Resume

// ResumeData builds the resume for c (which should have passed Validate)
// and o. State is StateDenied only when o.Deny is set and c's stage can be
// denied; otherwise the request continues and Detail carries the reason.
func ResumeData(c Callout, o Outcome) Resume {
	stage := canonicalStage(c.Stage)
	r := Resume{
		Source:          ResumeSource,
		Type:            resumeTypePrefix + stage,
		Stage:           stage,
		StageInstanceID: c.StageInstanceID,
		Detail:          resumeDetail(o),
	}
	if o.Deny && denyAllowed(stage) {
		r.State = StateDenied
	}
	return r
}

// denyAllowed says whether a resume may carry state "denied" at stage.
//
// The documentation contradicts itself: the accessPackageAssignmentRequestCallbackData
// resource page says state "can only be set for an assignmentRequestCreated
// stage"; the Logic Apps integration how-to allows denying when the
// "request is created" or "request is approved"; the resume example says a
// request "cannot be denied at the assignmentRequestCreated stage"
// (graph-api.md §1.4). We allow both request stages: our extension runs on
// assignmentRequestApproved, where denying is the only way to stop a failed
// reset from granting the package, and if Graph refuses the deny the resume
// call fails visibly instead of us silently granting access.
func denyAllowed(stage string) bool {
	return stage == StageRequestCreated || stage == StageRequestApproved
}

func resumeDetail(o Outcome) string {
	if d := cleanText(o.Detail, MaxDetailLength); d != "" {
		return d
	}
	switch {
	case o.Deny:
		return "MFA reset refused."
	case o.Succeeded:
		return "MFA reset completed."
	default:
		return "MFA reset failed."
	}
}
