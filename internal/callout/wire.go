package callout

// wire is the subset of the callout body we read. Tags carry Entra's
// PascalCase names; encoding/json also accepts other casings and skips
// fields not listed here (Answers, State, CallbackConfiguration, and
// whatever Entra adds later), so a change in a field we ignore cannot break
// parsing.
type wire struct {
	RequestID       string          `json:"AccessPackageAssignmentRequestId"`
	StageInstanceID string          `json:"CustomExtensionStageInstanceId"`
	CallbackURIPath string          `json:"CallbackUriPath"`
	Stage           string          `json:"Stage"`
	RequestType     string          `json:"RequestType"`
	Assignment      *wireAssignment `json:"Assignment"`
	Requestor       *wirePrincipal  `json:"Requestor"`
	AccessPackage   *wireObject     `json:"AccessPackage"`
	Catalog         *wireObject     `json:"AccessPackageCatalog"`

	// The pre-March-2023 flat shape (graph-api.md §1.2), read only so we
	// can recognise it and say why it is refused.
	Event           string `json:"Event"`
	UserID          string `json:"UserId"`
	AccessPackageID string `json:"AccessPackageId"`
}

type wireAssignment struct {
	Target *wirePrincipal `json:"Target"`
}

type wirePrincipal struct {
	ObjectID      string `json:"ObjectId"`
	PrincipalName string `json:"PrincipalName"`
}

type wireObject struct {
	ID          string `json:"Id"`
	DisplayName string `json:"DisplayName"`
}

// Wire names of the fields we check, used as ParseError.Field.
const (
	fieldBody            = "body"
	fieldRequestID       = "AccessPackageAssignmentRequestId"
	fieldStageInstanceID = "CustomExtensionStageInstanceId"
	fieldCallbackURIPath = "CallbackUriPath"
	fieldStage           = "Stage"
	fieldRequestType     = "RequestType"
	fieldTarget          = "Assignment.Target.ObjectId"
	fieldRequestor       = "Requestor.ObjectId"
	fieldAccessPackage   = "AccessPackage.Id"
	fieldCatalog         = "AccessPackageCatalog.Id"
)

func (w *wire) callout() Callout {
	c := Callout{
		RequestID:       w.RequestID,
		StageInstanceID: w.StageInstanceID,
		CallbackURIPath: w.CallbackURIPath,
		Stage:           canonicalStage(w.Stage),
		RequestType:     w.RequestType,
	}
	if w.Assignment != nil && w.Assignment.Target != nil {
		c.TargetObjectID = w.Assignment.Target.ObjectID
		c.TargetPrincipalName = cleanText(w.Assignment.Target.PrincipalName, maxNameLength)
	}
	if w.Requestor != nil {
		c.RequestorObjectID = w.Requestor.ObjectID
	}
	if w.AccessPackage != nil {
		c.AccessPackageID = w.AccessPackage.ID
		c.AccessPackageName = cleanText(w.AccessPackage.DisplayName, maxNameLength)
	}
	if w.Catalog != nil {
		c.CatalogID = w.Catalog.ID
	}
	return c
}

// legacy reports the flat pre-2023 shape: no request id, but the flat
// fields that shape carries.
func (w *wire) legacy() bool {
	return w.RequestID == "" && (w.Event != "" || w.UserID != "" || w.AccessPackageID != "")
}
