package oidc

import (
	"encoding/json"
	"net/http"

	jose "github.com/go-jose/go-jose/v4"
)

// IdentityPath is where the managed-identity endpoint listens.
const IdentityPath = "/msi/token"

// ServeHTTP serves, for the issuer's tenant:
//
//	GET /{tenant}/v2.0/.well-known/openid-configuration
//	GET /{tenant}/.well-known/openid-configuration      (v1)
//	GET /{tenant}/discovery/v2.0/keys
//	GET /{tenant}/discovery/keys                        (v1, same keys)
//	GET /msi/token                                       (App Service managed identity)
func (i *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i.handler.ServeHTTP(w, r)
}

func (i *Issuer) mux() *http.ServeMux {
	t := "/" + i.tenant
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+t+"/v2.0/.well-known/openid-configuration", i.serveDiscovery("2.0"))
	mux.HandleFunc("GET "+t+"/.well-known/openid-configuration", i.serveDiscovery("1.0"))
	mux.HandleFunc("GET "+t+"/discovery/v2.0/keys", i.serveKeys)
	mux.HandleFunc("GET "+t+"/discovery/keys", i.serveKeys)
	mux.HandleFunc(IdentityPath, i.serveIdentityToken)
	return mux
}

// serveDiscovery answers with the fields verifiers use. The issuer is
// Entra's real issuer string; the key URL points back at this server.
func (i *Issuer) serveDiscovery(version string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		base := baseURL(r) + "/" + i.tenant
		issuer, keys := i.V2Issuer(), base+"/discovery/v2.0/keys"
		if version == "1.0" {
			issuer, keys = i.V1Issuer(), base+"/discovery/keys"
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                issuer,
			"jwks_uri":                              keys,
			"token_endpoint":                        base + "/oauth2/v2.0/token",
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported":              []string{"code", "id_token", "code id_token", "token id_token", "token"},
			"subject_types_supported":               []string{"pairwise"},
			"tenant_region_scope":                   "EU",
		})
	}
}

func (i *Issuer) serveKeys(w http.ResponseWriter, _ *http.Request) {
	i.keyRequests.Add(1)
	var set jose.JSONWebKeySet
	for _, k := range i.published() {
		set.Keys = append(set.Keys, k.jwk())
	}
	writeJSON(w, http.StatusOK, set)
}

func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}
