package keyvault

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// validName is Key Vault's rule for object names.
var validName = regexp.MustCompile(`^[0-9a-zA-Z-]{1,127}$`)

func (v *Vault) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /secrets/{name}", v.getSecret)
	mux.HandleFunc("GET /secrets/{name}/{$}", v.getSecret)
	mux.HandleFunc("GET /secrets/{name}/{version}", v.getSecret)
	mux.HandleFunc("PUT /secrets/{name}", v.putSecret)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NotFound", "The requested resource was not found.")
	})
	return v.middleware(mux)
}

// middleware applies, in Key Vault's order: latency, the bearer challenge,
// api-version, injected faults, then the API itself.
func (v *Vault) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !v.wait(r) {
			return
		}
		if !v.authorized(w, r) {
			return
		}
		if r.URL.Query().Get("api-version") == "" {
			writeError(w, http.StatusBadRequest, "BadParameter", "The api-version query parameter is missing.")
			return
		}
		if f, ok := v.countAndTakeFault(); ok {
			writeFault(w, f)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (v *Vault) wait(r *http.Request) bool {
	if v.opts.Latency <= 0 {
		return true
	}
	select {
	case <-time.After(v.opts.Latency):
		return true
	case <-r.Context().Done():
		return false
	}
}

// authorized answers 401 with Key Vault's challenge when the request has no
// acceptable bearer token; azsecrets reads the tenant from "authorization"
// and the token scope from "resource".
func (v *Vault) authorized(w http.ResponseWriter, r *http.Request) bool {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	msg := "AKV10000: Request is missing a Bearer or PoP token."
	if strings.EqualFold(scheme, "Bearer") && token != "" {
		if v.opts.Authorize == nil {
			return true
		}
		err := v.opts.Authorize(token)
		if err == nil {
			return true
		}
		msg = "AKV10022: Invalid token: " + err.Error()
	}
	v.mu.Lock()
	v.challenges++
	v.mu.Unlock()
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(
		`Bearer authorization="https://login.microsoftonline.com/%s", resource="https://vault.azure.net"`, v.opts.TenantID))
	writeError(w, http.StatusUnauthorized, "Unauthorized", msg)
	return false
}

func (v *Vault) countAndTakeFault() (fault, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.requests++
	if len(v.faults) == 0 {
		return fault{}, false
	}
	f := v.faults[0]
	v.faults = v.faults[1:]
	return f, true
}

func writeFault(w http.ResponseWriter, f fault) {
	if f.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(f.retryAfter.Round(time.Second)/time.Second)))
	}
	code := map[int]string{http.StatusTooManyRequests: "Throttled"}[f.status]
	if code == "" {
		code = strings.ReplaceAll(http.StatusText(f.status), " ", "")
	}
	writeError(w, f.status, code, "Injected fault.")
}

func (v *Vault) getSecret(w http.ResponseWriter, r *http.Request) {
	name, ver := r.PathValue("name"), r.PathValue("version")
	if !validName.MatchString(name) {
		writeError(w, http.StatusBadRequest, "BadParameter", "The request URI contains an invalid name: "+name)
		return
	}
	v.mu.Lock()
	found := v.find(name, ver)
	v.mu.Unlock()
	switch {
	case found == nil:
		writeError(w, http.StatusNotFound, "SecretNotFound", fmt.Sprintf(
			"A secret with (name/id) %s was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182", path(name, ver)))
	case !found.enabled:
		writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{
			"code": "Forbidden", "message": "Operation get is not allowed on a disabled secret.",
			"innererror": map[string]string{"code": "SecretDisabled"}}})
	default:
		writeJSON(w, http.StatusOK, bundle(r, name, found))
	}
}

// find returns the named version, or the latest when ver is empty.
func (v *Vault) find(name, ver string) *version {
	vers := v.secrets[name]
	if ver == "" && len(vers) > 0 {
		return vers[len(vers)-1]
	}
	for _, x := range vers {
		if x.id == ver {
			return x
		}
	}
	return nil
}

// setParams is the PUT body azsecrets sends (SetSecretParameters).
type setParams struct {
	Value       *string           `json:"value"`
	ContentType string            `json:"contentType"`
	Tags        map[string]string `json:"tags"`
	Attributes  *struct {
		Enabled *bool `json:"enabled"`
	} `json:"attributes"`
}

func (v *Vault) putSecret(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !validName.MatchString(name) {
		writeError(w, http.StatusBadRequest, "BadParameter", "The request URI contains an invalid name: "+name)
		return
	}
	var p setParams
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&p); err != nil || p.Value == nil {
		writeError(w, http.StatusBadRequest, "BadParameter", "Property value is required.")
		return
	}
	ver := &version{value: *p.Value, contentType: p.ContentType, tags: p.Tags, enabled: true}
	if p.Attributes != nil && p.Attributes.Enabled != nil {
		ver.enabled = *p.Attributes.Enabled
	}
	v.mu.Lock()
	v.addVersion(name, ver)
	v.mu.Unlock()
	writeJSON(w, http.StatusOK, bundle(r, name, ver))
}

// bundle renders a SecretBundle as Key Vault returns it.
func bundle(r *http.Request, name string, ver *version) map[string]any {
	b := map[string]any{
		"value": ver.value,
		"id":    "https://" + r.Host + "/secrets/" + name + "/" + ver.id,
		"attributes": map[string]any{
			"enabled": ver.enabled, "created": ver.created.Unix(), "updated": ver.created.Unix(),
			"recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90,
		},
	}
	if ver.contentType != "" {
		b["contentType"] = ver.contentType
	}
	if len(ver.tags) > 0 {
		b["tags"] = ver.tags
	}
	return b
}

func path(name, ver string) string {
	if ver == "" {
		return name
	}
	return name + "/" + ver
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}
