package oidc

import (
	"net/http"
	"strconv"
	"strings"
)

// appServiceAPIVersion is the only version azidentity (via MSAL's
// managedidentity package) sends to the App Service endpoint.
const appServiceAPIVersion = "2019-08-01"

// Identity is a managed identity the endpoint can issue tokens for.
type Identity struct {
	// ClientID is the identity's application (client) id: "appid" in its
	// tokens, "client_id" in requests for a user-assigned identity.
	ClientID string
	// ObjectID of its service principal: "oid" in its tokens.
	ObjectID string
	// ResourceID is the ARM id of a user-assigned identity ("mi_res_id").
	ResourceID string
	// UserAssigned identities are chosen by id; the first identity that is
	// not user-assigned answers requests that name none.
	UserAssigned bool
	// Roles per resource (the requested "resource", i.e. the audience):
	// the app roles granted to this identity on that resource's API.
	Roles map[string][]string
}

// serveIdentityToken mimics App Service's managed-identity endpoint as
// MSAL calls it: GET ?api-version=2019-08-01&resource=R[&client_id=...]
// with the X-IDENTITY-HEADER secret.
func (i *Issuer) serveIdentityToken(w http.ResponseWriter, r *http.Request) {
	i.tokenRequests.Add(1)
	q := r.URL.Query()
	switch {
	case r.Method != http.MethodGet:
		identityError(w, http.StatusMethodNotAllowed, "Only GET is supported.")
	case r.Header.Get("X-IDENTITY-HEADER") != i.idHeader:
		identityError(w, http.StatusUnauthorized, "The X-IDENTITY-HEADER header is missing or invalid.")
	case q.Get("api-version") != appServiceAPIVersion:
		identityError(w, http.StatusBadRequest, "Unsupported api-version.")
	case q.Get("resource") == "":
		identityError(w, http.StatusBadRequest, "The resource parameter is required.")
	default:
		i.issueIdentityToken(w, q.Get("resource"), q.Get("client_id"), q.Get("object_id"), q.Get("mi_res_id"))
	}
}

func (i *Issuer) issueIdentityToken(w http.ResponseWriter, resource, clientID, objectID, resID string) {
	id, ok := i.findIdentity(clientID, objectID, resID)
	if !ok {
		identityError(w, http.StatusBadRequest, "Unable to load the proper Managed Identity.")
		return
	}
	expiry := i.now().Add(i.lifetime)
	token := i.Issue(Claims{
		Version:  "1.0", // resources default to v1 access tokens
		Audience: resource,
		AppID:    id.ClientID,
		ObjectID: id.ObjectID,
		Roles:    id.Roles[resource],
		Expiry:   expiry,
		Extra:    identityExtras(id),
	})
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": token,
		"expires_on":   strconv.FormatInt(expiry.Unix(), 10),
		"resource":     resource,
		"token_type":   "Bearer",
		"client_id":    id.ClientID,
	})
}

// identityExtras are claims real managed-identity tokens carry.
func identityExtras(id Identity) map[string]any {
	extra := map[string]any{"idtyp": "app"}
	if id.ResourceID != "" {
		extra["xms_mirid"] = id.ResourceID
	}
	return extra
}

// findIdentity picks the identity a request names, or the system-assigned
// one when it names none.
func (i *Issuer) findIdentity(clientID, objectID, resID string) (Identity, bool) {
	for _, id := range i.ids {
		switch {
		case clientID != "":
			if strings.EqualFold(id.ClientID, clientID) {
				return id, true
			}
		case objectID != "":
			if strings.EqualFold(id.ObjectID, objectID) {
				return id, true
			}
		case resID != "":
			if strings.EqualFold(id.ResourceID, resID) {
				return id, true
			}
		case !id.UserAssigned:
			return id, true
		}
	}
	return Identity{}, false
}

// identityError writes App Service's error shape.
func identityError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"statusCode": status, "message": msg})
}
