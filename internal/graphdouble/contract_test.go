package graphdouble

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The contract test proves the double speaks Graph's published schema:
//   - every type, property, enum member and action parameter the double
//     accepts in request bodies (requestSchema) exists in the CSDL with the
//     same type and nullability;
//   - every property name $select may name exists on its type;
//   - real traffic through every route (a scripted scenario) answers JSON
//     whose every property exists on the route's declared type, or the
//     type named by @odata.type, with a compatible JSON type; request
//     bodies the scenario sends pass the same check; errors have Graph's
//     error envelope;
//   - every route is exercised with a success answer.
// Beta routes check against beta-ussec.csdl, the rest against v1.0.csdl.
// The negative tests at the end show the checks fail on a misspelt name.

func TestContractRequestSchemaMatchesCSDL(t *testing.T) {
	v1, beta := loadCSDL(t)
	for _, e := range compareSchema(requestSchema, v1, beta) {
		t.Error(e)
	}
}

func TestContractSelectableProperties(t *testing.T) {
	v1, _ := loadCSDL(t)
	lists := map[string][]string{
		g + "user": userProperties, g + "group": groupProperties, g + "directoryRole": directoryRoleProperties,
	}
	lists[g+"user"] = append(slices.Clone(lists[g+"user"]), userDefaultProperties...)
	for typ, names := range lists {
		for _, n := range names {
			if p, ok := v1.prop(typ, n); !ok || p.nav {
				t.Errorf("$select list: %s has no property %q", typ, n)
			}
		}
	}
}

func TestContractTraffic(t *testing.T) {
	v1, beta := loadCSDL(t)
	f, rec := newRecordingFixture(t)
	runScenario(t, f)
	covered := map[*route]bool{}
	for _, ex := range rec.all() {
		rt, _, _ := f.d.find(ex.method, ex.path)
		if rt == nil {
			t.Errorf("%s %s: no route", ex.method, ex.path)
			continue
		}
		model := v1
		if rt.beta {
			model = beta
		}
		for _, e := range checkExchange(rt, ex, model) {
			t.Errorf("%s %s (%d): %s", ex.method, ex.path, ex.status, e)
		}
		if ex.status < 300 {
			covered[rt] = true
		}
	}
	for _, rt := range f.d.routes {
		if !covered[rt] {
			t.Errorf("route %s %s not exercised with a success answer", rt.method, rt.pattern)
		}
	}
}

// TestContractTestdataMatchesShared keeps the gzipped copies in testdata
// equal to /work/shared when that directory exists (it does not in CI).
func TestContractTestdataMatchesShared(t *testing.T) {
	const shared = "../../../shared/graph-metadata/"
	if _, err := os.Stat(shared); err != nil {
		t.Skip("no shared/graph-metadata next to the repository")
	}
	for _, name := range []string{"v1.0.csdl", "beta-ussec.csdl"} {
		want, err := os.ReadFile(shared + name)
		if err != nil {
			t.Fatal(err)
		}
		got := gunzipFile(t, "testdata/"+name+".gz")
		if sha256.Sum256(got) != sha256.Sum256(want) {
			t.Errorf("testdata/%s.gz is stale; regenerate: gzip -9 -n -c %s%s > testdata/%s.gz", name, shared, name, name)
		}
	}
}

func gunzipFile(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// compareSchema lists differences between the double's hand-written
// schema and the CSDL (v1.0 first, beta for beta-only names).
func compareSchema(mini *edmSchema, v1, beta *csdlModel) []string {
	var errs []string
	for _, name := range sortedNames(mini.types) {
		errs = append(errs, compareType(mini.types[name], pick(v1, beta, name))...)
	}
	for _, name := range sortedNames(mini.enums) {
		ref := v1.enums[name]
		if ref == nil {
			ref = beta.enums[name]
		}
		if ref == nil {
			errs = append(errs, "enum "+name+" not in the CSDL")
			continue
		}
		for _, m := range sortedNames(mini.enums[name].members) {
			if !ref.members[m] {
				errs = append(errs, fmt.Sprintf("enum %s has no member %q", name, m))
			}
		}
	}
	for _, a := range mini.actions {
		errs = append(errs, compareAction(a, v1, beta)...)
	}
	return errs
}

func pick(v1, beta *csdlModel, name string) *edmType {
	if t := v1.types[name]; t != nil {
		return t
	}
	return beta.types[name]
}

func compareType(mine, ref *edmType) []string {
	if ref == nil {
		return []string{"type " + mine.name + " not in the CSDL"}
	}
	var errs []string
	if mine.base != ref.base || mine.abstract != ref.abstract || mine.complex != ref.complex {
		errs = append(errs, fmt.Sprintf("type %s: base/abstract/complex %q/%v/%v, CSDL %q/%v/%v",
			mine.name, mine.base, mine.abstract, mine.complex, ref.base, ref.abstract, ref.complex))
	}
	for _, pn := range sortedNames(mine.props) {
		p, rp := mine.props[pn], ref.props[pn]
		switch {
		case rp.typ == "":
			errs = append(errs, fmt.Sprintf("type %s has no property %q", mine.name, pn))
		case rp.typ != p.typ || rp.nullable != p.nullable:
			errs = append(errs, fmt.Sprintf("%s.%s: %s nullable=%v, CSDL %s nullable=%v",
				mine.name, pn, p.typ, p.nullable, rp.typ, rp.nullable))
		}
	}
	return errs
}

func compareAction(a *edmAction, v1, beta *csdlModel) []string {
	var ref *edmAction
	for _, m := range []*csdlModel{v1, beta} {
		for _, c := range m.actions {
			if c.name == a.name && c.binding == a.binding && ref == nil {
				ref = c
			}
		}
	}
	if ref == nil {
		return []string{fmt.Sprintf("action %s bound to %s not in the CSDL", a.name, a.binding)}
	}
	if !slices.Equal(a.params, ref.params) {
		return []string{fmt.Sprintf("action %s parameters %v, CSDL %v", a.name, a.params, ref.params)}
	}
	return nil
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// exchange is one recorded request and answer.
type exchange struct {
	method, path string
	reqBody      []byte // decoded
	status       int
	respBody     []byte
}

type recorder struct {
	mu  sync.Mutex
	exs []exchange
}

func (r *recorder) all() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.exs)
}

// newRecordingFixture serves the seed tenant through a handler that keeps
// every request body (gunzipped) and answer.
func newRecordingFixture(t *testing.T) (*fixture, *recorder) {
	tenant, err := LoadSeed("testdata/tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	d := New(tenant, Options{PageSize: 1})
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(raw))
		body := raw
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err == nil {
				body, _ = io.ReadAll(zr)
			}
		}
		rr := httptest.NewRecorder()
		d.ServeHTTP(rr, r)
		rec.mu.Lock()
		rec.exs = append(rec.exs, exchange{r.Method, r.URL.Path, body, rr.Code, rr.Body.Bytes()})
		rec.mu.Unlock()
		for k, v := range rr.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rr.Code)
		_, _ = w.Write(rr.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	return &fixture{t: t, d: d, srv: srv, gzip: true}, rec
}

// checkExchange applies the contract to one request/answer pair.
func checkExchange(rt *route, ex exchange, model *csdlModel) []string {
	var errs []string
	if rt.body != "" && len(bytes.TrimSpace(ex.reqBody)) > 0 {
		var m map[string]any
		if err := decodeNumbers(ex.reqBody, &m); err != nil {
			errs = append(errs, "request body: "+err.Error())
		} else if err := model.checkBody(rt.body, m); err != nil && ex.status < 300 {
			errs = append(errs, "request body accepted by the double but not by the schema: "+err.Error())
		}
	}
	if ex.status >= 400 {
		return append(errs, checkErrorEnvelope(ex.respBody)...)
	}
	return append(errs, checkResult(rt.result, ex.respBody, model)...)
}

func decodeNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

func checkResult(result string, body []byte, model *csdlModel) []string {
	if result == "" {
		if len(body) != 0 {
			return []string{fmt.Sprintf("answer should be empty, got %s", body)}
		}
		return nil
	}
	var m map[string]any
	if err := decodeNumbers(body, &m); err != nil {
		return []string{"answer is not a JSON object: " + err.Error()}
	}
	if inner, ok := strings.CutPrefix(result, "Collection("); ok {
		return checkCollectionAnswer(strings.TrimSuffix(inner, ")"), m, model)
	}
	if rest, ok := strings.CutPrefix(result, "action:"); ok {
		name, binding, _ := strings.Cut(rest, ":")
		rtyp, ok := model.returnType(name, binding)
		if !ok {
			return []string{"no return type for action " + rest}
		}
		return append(onlyKeys(m, "@odata.context", "value"), model.check(rtyp, m["value"], "value", false)...)
	}
	return model.check(result, m, "", false)
}

func checkCollectionAnswer(elem string, m map[string]any, model *csdlModel) []string {
	errs := onlyKeys(m, "@odata.context", "@odata.nextLink", "@odata.count", "value")
	if _, ok := m["value"].([]any); !ok {
		return append(errs, "collection answer without a value array")
	}
	if next, ok := m["@odata.nextLink"].(string); ok {
		if u, err := url.Parse(next); err != nil || !u.IsAbs() {
			errs = append(errs, "@odata.nextLink is not an absolute URL: "+next)
		}
	}
	return append(errs, model.check("Collection("+elem+")", m["value"], "value", false)...)
}

func onlyKeys(m map[string]any, allowed ...string) []string {
	var errs []string
	for _, k := range sortedKeys(m) {
		if !slices.Contains(allowed, k) {
			errs = append(errs, fmt.Sprintf("unexpected top-level key %q", k))
		}
	}
	return errs
}

// checkErrorEnvelope matches the shape Kiota maps to odataerrors.ODataError.
func checkErrorEnvelope(body []byte) []string {
	var env struct {
		Error map[string]json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
		return []string{fmt.Sprintf("error answer without an error object: %s", body)}
	}
	var errs []string
	for k := range env.Error {
		if !slices.Contains([]string{"code", "message", "innerError", "details", "target"}, k) {
			errs = append(errs, "unexpected error key "+k)
		}
	}
	var inner map[string]string
	if err := json.Unmarshal(env.Error["innerError"], &inner); err != nil {
		return append(errs, "innerError is not an object of strings")
	}
	if _, err := time.Parse(time.RFC3339, inner["date"]); err != nil || inner["request-id"] == "" {
		errs = append(errs, fmt.Sprintf("innerError %v lacks request-id or an RFC 3339 date", inner))
	}
	return errs
}

// runScenario drives every route, successes and a few refusals.
func runScenario(t *testing.T, f *fixture) {
	t.Helper()
	cora := addContractUser(t, f)
	ok := func(method, path string, body any, status int) response {
		t.Helper()
		return f.expect(f.do(method, path, body), status)
	}
	ok("GET", "/v1.0/users/"+noraID, nil, 200)
	ok("GET", "/v1.0/users/nora.new@contoso.example?$select=id,displayName,mail,accountEnabled,userType,"+
		"mobilePhone,businessPhones,onPremisesExtensionAttributes,givenName,surname,jobTitle,officeLocation,preferredLanguage", nil, 200)
	ok("GET", "/v1.0/users/"+noraID+"/manager", nil, 200)
	ok("GET", "/v1.0/users/"+unaID+"/manager", nil, 404)
	ok("GET", "/v1.0/users/"+noraID+"?$expand=manager", nil, 200)
	ok("GET", "/v1.0/users/"+noraID+"?$select=id,mail&$expand=manager($select=id,mail,accountEnabled)", nil, 200)
	ok("GET", "/v1.0/users/"+breeID+"/memberOf", nil, 200)
	ok("GET", "/v1.0/users/"+hankID+"/transitiveMemberOf", nil, 200)
	for _, cast := range []string{"/microsoft.graph.group", "/microsoft.graph.directoryRole"} {
		ok("GET", "/v1.0/users/"+hankID+"/memberOf"+cast+"?$count=true", nil, 200)
		ok("GET", "/v1.0/users/"+hankID+"/transitiveMemberOf"+cast+"?$select=id,displayName&$count=true", nil, 200)
	}
	paged := ok("GET", "/v1.0/users/"+breeID+"/transitiveMemberOf?$select=id,displayName,securityEnabled", nil, 200)
	ok("GET", paged.str("@odata.nextLink"), nil, 200)
	ok("POST", "/v1.0/users/"+samID+"/revokeSignInSessions", nil, 200)
	ok("POST", "/v1.0/users/"+maraID+"/sendMail", mailBody("mara.manager@contoso.example"), 202)
	ok("POST", "/v1.0/users/"+maraID+"/sendMail", map[string]any{
		"message": map[string]any{
			"subject": "hi", "importance": "high",
			"body":         map[string]any{"contentType": "html", "content": "<p>x</p>"},
			"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": "a@contoso.example"}}},
			"ccRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": "b@contoso.example", "name": "B"}}},
		},
		"saveToSentItems": true,
	}, 202)
	ok("GET", "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$filter="+
		url.QueryEscape("principalId eq '"+piaID+"'"), nil, 200)
	ok("GET", "/v1.0/roleManagement/directory/roleAssignments?$filter="+url.QueryEscape("principalId eq '"+ginaID+"'"), nil, 200)
	ok("GET", "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter="+
		url.QueryEscape("principalId eq '"+ivyID+"'"), nil, 200)
	exerciseMethods(t, f, cora, ok)
	exerciseGroups(ok)
	exerciseFido2(t, f, ok)
	exercisePolicies(t, f, ok)
	ok("GET", "/v1.0/auditLogs/directoryAudits?$filter="+url.QueryEscape(
		"activityDisplayName eq 'Add member to group' and targetResources/any(t: t/id eq '"+caTemp+"')"), nil, 200)
	ok("POST", "/v1.0/identityGovernance/entitlementManagement/assignmentRequests/"+requestID+"/resume", resumeBody(), 204)
	f.d.AddAssignmentRequest("beta-request")
	ok("POST", "/beta/identityGovernance/entitlementManagement/accessPackageAssignmentRequests/beta-request/resume", resumeBody(), 204)
	ok("GET", "/beta/users/"+samID+"/authentication/signInPreferences", nil, 200)
	ok("PATCH", "/beta/users/"+samID+"/authentication/signInPreferences", map[string]any{
		"userPreferredMethodForSecondaryAuthentication": "sms", "isSystemPreferredAuthenticationMethodEnabled": false}, 204)
}

// addContractUser creates a user holding one method of every kind.
func addContractUser(t *testing.T, f *fixture) string {
	t.Helper()
	const id = "10000000-0000-4000-8000-0000000000cc"
	f.d.Update(func(tn *Tenant) {
		tn.Users = append(tn.Users, &User{ID: id, UserPrincipalName: "cora@contoso.example", AccountEnabled: true, UserType: "Member"})
	})
	created := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []AuthMethod{
		{Type: MethodPhone, PhoneType: "mobile", PhoneNumber: "+1 2065550142"},
		{Type: MethodMicrosoftAuthenticator, DisplayName: "Phone", DeviceTag: "SoftwareTokenActivated", PhoneAppVersion: "6.8", CreatedDateTime: created},
		{Type: MethodSoftwareOath},
		{Type: MethodFido2, DisplayName: "Key", AAGUID: "cb69481e-8ff7-4039-93ec-0a2729a154a8", Model: "YubiKey 5",
			AttestationLevel: "attested", PasskeyType: "deviceBound", AttestationCertificates: []string{"ZmFrZQ=="}, CreatedDateTime: created},
		{Type: MethodWindowsHelloForBusiness, DisplayName: "PC", KeyStrength: "normal", CreatedDateTime: created},
		{Type: MethodEmail, EmailAddress: "cora@home.example"},
		{Type: MethodPlatformCredential, DisplayName: "Mac", KeyStrength: "normal", Platform: "macOS", CreatedDateTime: created},
	} {
		if _, err := f.d.AddMethod(id, m); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

type okFunc func(method, path string, body any, status int) response

func exerciseMethods(t *testing.T, f *fixture, user string, ok okFunc) {
	t.Helper()
	base := "/v1.0/users/" + user + "/authentication/"
	ok("POST", base+"temporaryAccessPassMethods", map[string]any{
		"lifetimeInMinutes": 60, "isUsableOnce": true, "startDateTime": time.Now().UTC().Format(time.RFC3339)}, 201)
	ok("POST", base+"phoneMethods", map[string]any{"phoneNumber": "+1 4255550142", "phoneType": "office"}, 201)
	ok("PATCH", base+"phoneMethods/"+PhoneIDOffice, map[string]any{"phoneNumber": "+1 4255550143", "phoneType": "office"}, 204)
	ok("POST", base+"phoneMethods", map[string]any{"phoneNumber": "+1 4255550144", "phoneType": "office"}, 400)
	all := ok("GET", base+"methods", nil, 200).values()
	ok("GET", base+"methods/"+PasswordMethodID, nil, 200)
	if len(all) != 10 {
		t.Fatalf("contract user has %d methods", len(all))
	}
	for _, k := range methodOrder {
		items := ok("GET", base+k.collection, nil, 200).values()
		for _, it := range items {
			ok("GET", base+k.collection+"/"+it["id"].(string), nil, 200)
			if k.typ != MethodPassword {
				ok("DELETE", base+k.collection+"/"+it["id"].(string), nil, 204)
			}
		}
	}
}

func exerciseGroups(ok okFunc) {
	ok("GET", "/v1.0/groups/"+helpdesk, nil, 200)
	ok("GET", "/v1.0/groups/"+helpdesk+"?$select=id,displayName,isAssignableToRole", nil, 200)
	ok("POST", membersPath(caTemp)+"/$ref", ref(samID), 204)
	ok("POST", membersPath(caTemp)+"/$ref", ref(breakGlass), 204)
	ok("POST", membersPath(caTemp)+"/$ref", ref(samID), 400)
	ok("GET", membersPath(caTemp), nil, 200)
	ok("GET", membersPath(caTemp)+"?$top=999&$select=id,userPrincipalName,displayName", nil, 200)
	ok("GET", membersPath(caTemp)+"/microsoft.graph.user?$select=id,userPrincipalName&$count=true", nil, 200)
	ok("GET", membersPath(caTemp)+"/microsoft.graph.user?$count=true", nil, 200)
	ok("GET", membersPath(caTemp)+"/microsoft.graph.group?$select=id,displayName,securityEnabled&$count=true", nil, 200)
	ok("GET", membersPath(caTemp)+"?$select=id,accountEnabled,userType,onPremisesExtensionAttributes,securityEnabled", nil, 200)
	ok("DELETE", membersPath(caTemp)+"/"+samID+"/$ref", nil, 204)
	ok("DELETE", membersPath(caTemp)+"/$ref?%40id="+url.QueryEscape("https://graph.microsoft.com/v1.0/directoryObjects/"+breakGlass), nil, 204)
	ok("DELETE", membersPath(caTemp)+"/"+noraID, nil, 204) // the danger path, on purpose
}

// Negative tests: the checks must catch what they exist to catch.

func TestContractCatchesMisspeltProperty(t *testing.T) {
	v1, _ := loadCSDL(t)
	user := jsonRoundTrip(renderUser(&User{ID: "x", UserPrincipalName: "x@y", UserType: "Member"}))
	if errs := v1.check(g+"user", user, "", false); len(errs) != 0 {
		t.Fatalf("a correct user fails: %v", errs)
	}
	user["userPrincipleName"] = user["userPrincipalName"]
	delete(user, "userPrincipalName")
	errs := v1.check(g+"user", user, "", false)
	if len(errs) != 1 || !strings.Contains(errs[0], "'userPrincipleName' does not exist on type 'microsoft.graph.user'") {
		t.Errorf("misspelt property not caught: %v", errs)
	}
}

func TestContractCatchesWrongTypesAndEnums(t *testing.T) {
	v1, _ := loadCSDL(t)
	tap := map[string]any{
		"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
		"id":          "x", "lifetimeInMinutes": "60",
	}
	if errs := v1.check(g+"authenticationMethod", tap, "", false); len(errs) != 1 {
		t.Errorf("string for Int32 not caught: %v", errs)
	}
	phone := map[string]any{"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "id": "x", "phoneType": "mobil"}
	if errs := v1.check(g+"authenticationMethod", phone, "", false); len(errs) != 1 {
		t.Errorf("bad enum member not caught: %v", errs)
	}
	wrongDerived := map[string]any{"@odata.type": "#microsoft.graph.group", "id": "x"}
	if errs := v1.check(g+"authenticationMethod", wrongDerived, "", false); len(errs) != 1 {
		t.Errorf("unrelated @odata.type not caught: %v", errs)
	}
	nested := map[string]any{"id": "x", "onPremisesExtensionAttributes": map[string]any{"extensionAttribute16": "x"}}
	if errs := v1.check(g+"user", nested, "", false); len(errs) != 1 {
		t.Errorf("nested misspelling not caught: %v", errs)
	}
}

func TestContractCatchesSchemaDrift(t *testing.T) {
	v1, beta := loadCSDL(t)
	bad := buildRequestSchema()
	bad.addType("phoneAuthenticationMethod", "authenticationMethod", false, false,
		"phoneNumber:Edm.String", "phonetype:"+g+"authenticationPhoneType", "smsSignInState:Edm.Int32")
	bad.addEnum("bodyType", "text", "html", "markdown")
	bad.addAction("sendMail", "user", "Message:"+g+"message!", "SaveToSentItem:Edm.Boolean")
	got := strings.Join(compareSchema(bad, v1, beta), "\n")
	for _, want := range []string{`has no property "phonetype"`, "smsSignInState: Edm.Int32", `no member "markdown"`, "action sendMail parameters"} {
		if !strings.Contains(got, want) {
			t.Errorf("drift %q not reported in:\n%s", want, got)
		}
	}
}

func TestContractCatchesWrongRouteType(t *testing.T) {
	v1, _ := loadCSDL(t)
	body := []byte(`{"@odata.context":"x","id":"x","temporaryAccessPass":"abc","lifetimeInMinutes":60}`)
	if errs := checkResult(g+"phoneAuthenticationMethod", body, v1); len(errs) != 2 {
		t.Errorf("TAP answer declared as phone not caught: %v", errs)
	}
	if errs := checkResult(g+"temporaryAccessPassAuthenticationMethod", body, v1); len(errs) != 0 {
		t.Errorf("TAP answer rejected: %v", errs)
	}
}
