package callout

import "strings"

// Stages of accessPackageCustomExtensionStage (v1.0 CSDL), in the casing
// Graph expects back in resume.
const (
	StageRequestCreated  = "assignmentRequestCreated"
	StageRequestApproved = "assignmentRequestApproved"
	StageRequestGranted  = "assignmentRequestGranted"
	StageRequestRemoved  = "assignmentRequestRemoved"
	StageFourteenDays    = "assignmentFourteenDaysBeforeExpiration"
	StageOneDay          = "assignmentOneDayBeforeExpiration"
)

// StageConnectionTest is the Stage of the test call Entra makes when a
// custom extension is created. The pre-2023 shape sent
// Event == "CustomActionConnectionTest" instead (Azure/azure-quickstart-templates
// demos/identitygovernance-entitlementmanagement-extensibility-sample-logicapp).
const (
	StageConnectionTest  = "CustomExtensionConnectionTest"
	legacyConnectionTest = "CustomActionConnectionTest"
)

var knownStages = []string{
	StageRequestCreated, StageRequestApproved, StageRequestGranted,
	StageRequestRemoved, StageFourteenDays, StageOneDay,
}

// canonicalStage maps a known stage in any casing to Graph's casing, so
// comparisons and the resume "type" do not depend on how Entra cased it.
func canonicalStage(s string) string {
	for _, k := range knownStages {
		if strings.EqualFold(s, k) {
			return k
		}
	}
	return s
}

func stageIn(stage string, allowed []string) bool {
	for _, a := range allowed {
		if strings.EqualFold(stage, a) {
			return true
		}
	}
	return false
}

func (w *wire) connectionTest() bool {
	return strings.EqualFold(w.Stage, StageConnectionTest) ||
		strings.EqualFold(w.Event, legacyConnectionTest)
}
