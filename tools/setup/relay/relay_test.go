package relay

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/callout"
)

const (
	templateFile = "relay.template.json"
	workflowFile = "workflow.json"
	fixtureGlob  = "../../../internal/callout/testdata/*.json"

	// Entitlement Management's first-party app id, the appid in its tokens
	// (Azure/azure-quickstart-templates demos/identitygovernance-
	// entitlementmanagement-extensibility-sample-logicapp).
	emAppID = "810dcf14-1858-4bf2-8134-4c369fa3235b"
	route   = "callouts/access-package"
	key     = "test-function-key"
)

var testDeployment = deployment{
	SubscriptionID: "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
	TenantID:       "72f988bf-86f1-41af-91ab-2d7cd011db47",
	ResourceGroup:  "rg-Identity-Recovery",
	Location:       "westeurope",
	Params: map[string]any{
		"workflowName":     "mfa-recovery-relay",
		"functionUrl":      "https://contoso-mfa.azurewebsites.net",
		"functionAudience": "api://contoso-mfa",
		"functionKey":      key,
	},
}

// load returns the template, its workflow resource and workflow.json.
func load(t *testing.T) (*armTemplate, map[string]any, map[string]any) {
	t.Helper()
	var tpl armTemplate
	loadJSON(t, templateFile, &tpl)
	if len(tpl.Resources) != 1 {
		t.Fatalf("template has %d resources, want exactly the workflow", len(tpl.Resources))
	}
	var def map[string]any
	loadJSON(t, workflowFile, &def)
	return &tpl, tpl.Resources[0], def
}

func obj(t *testing.T, v any, path ...string) map[string]any {
	t.Helper()
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: parent is %T, want an object", strings.Join(path, "."), v)
		}
		v = m[p]
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want an object", strings.Join(path, "."), v)
	}
	return m
}

func TestTemplateDeploysWorkflowJSON(t *testing.T) {
	tpl, wf, def := load(t)
	if !strings.Contains(tpl.Schema, "deploymentTemplate.json") {
		t.Errorf("$schema = %q, want an ARM deployment template", tpl.Schema)
	}
	if wf["type"] != "Microsoft.Logic/workflows" {
		t.Errorf("resource type = %v", wf["type"])
	}
	if id := obj(t, wf, "identity"); id["type"] != "SystemAssigned" || len(id) != 1 {
		t.Errorf("identity = %v, want only a system-assigned managed identity", id)
	}
	if got := obj(t, wf, "properties", "definition"); !reflect.DeepEqual(got, def) {
		t.Error("the template's definition differs from workflow.json; copy workflow.json into properties.definition")
	}
	if def["$schema"] != "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#" {
		t.Errorf("definition $schema = %v", def["$schema"])
	}
}

func TestSASIsDisabled(t *testing.T) {
	_, wf, _ := load(t)
	sas := obj(t, wf, "properties", "accessControl", "triggers", "sasAuthenticationPolicy")
	if sas["state"] != "Disabled" {
		t.Fatalf("sasAuthenticationPolicy.state = %v, want Disabled", sas["state"])
	}
}

func TestTriggerAcceptsOnlyEntitlementManagementPoP(t *testing.T) {
	tpl, wf, _ := load(t)
	policies := obj(t, wf, "properties", "accessControl", "triggers", "openAuthenticationPolicies", "policies")
	if len(policies) != 1 {
		t.Fatalf("%d authorization policies, want 1: any extra policy is another way in", len(policies))
	}
	for name, p := range policies {
		pol := obj(t, p)
		if pol["type"] != "AADPOP" {
			t.Errorf("policy %s type = %v, want AADPOP", name, pol["type"])
		}
		got := evalClaims(t, tpl, pol["claims"], testDeployment)
		want := map[string]string{
			"iss":   "https://sts.windows.net/" + testDeployment.TenantID + "/",
			"appid": emAppID,
			"u":     "management.azure.com",
			"m":     "POST",
			"p": "/subscriptions/" + testDeployment.SubscriptionID + "/resourceGroups/" + testDeployment.ResourceGroup +
				"/providers/Microsoft.Logic/workflows/mfa-recovery-relay",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("claims =\n%v\nwant\n%v", got, want)
		}
	}
}

func TestTenantDefaultsToTheSubscriptionsTenant(t *testing.T) {
	tpl, wf, _ := load(t)
	policies := obj(t, wf, "properties", "accessControl", "triggers", "openAuthenticationPolicies", "policies")
	for _, p := range policies {
		got := evalClaims(t, tpl, obj(t, p)["claims"], testDeployment)
		if got["iss"] != "https://sts.windows.net/"+testDeployment.TenantID+"/" {
			t.Errorf("iss = %q without a tenantId parameter", got["iss"])
		}
		d := testDeployment
		d.Params = map[string]any{"tenantId": "other-tenant", "workflowName": "x", "functionUrl": "u",
			"functionAudience": "a", "functionKey": "k"}
		if got := evalClaims(t, tpl, obj(t, p)["claims"], d); got["iss"] != "https://sts.windows.net/other-tenant/" {
			t.Errorf("iss = %q with tenantId=other-tenant", got["iss"])
		}
	}
}

func evalClaims(t *testing.T, tpl *armTemplate, raw any, d deployment) map[string]string {
	t.Helper()
	eval, err := tpl.evaluator(d)
	if err != nil {
		t.Fatalf("evaluate template: %v", err)
	}
	list, ok := raw.([]any)
	if !ok {
		t.Fatalf("claims is %T, want an array", raw)
	}
	out := map[string]string{}
	for _, c := range list {
		claim := obj(t, c)
		name, _ := claim["name"].(string)
		v, err := eval(claim["value"])
		if err != nil {
			t.Fatalf("claim %s: %v", name, err)
		}
		if _, dup := out[name]; dup {
			t.Fatalf("claim %s listed twice", name)
		}
		out[name], _ = v.(string)
	}
	return out
}

func TestWorkflowIsTriggerForwardAcknowledge(t *testing.T) {
	_, _, def := load(t)
	triggers := obj(t, def, "triggers")
	manual := obj(t, triggers, "manual")
	if len(triggers) != 1 || manual["type"] != "Request" || manual["kind"] != "Http" ||
		obj(t, manual, "inputs")["method"] != "POST" {
		t.Errorf("triggers = %v, want one POST Request trigger named manual", triggers)
	}
	actions := obj(t, def, "actions")
	names := slices.Sorted(maps.Keys(actions))
	if !slices.Equal(names, []string{"Acknowledge", "Forward_to_function"}) {
		t.Fatalf("actions = %v, want only Forward_to_function and Acknowledge", names)
	}
}

func TestForwardSendsTheTriggerBodyWithTheManagedIdentity(t *testing.T) {
	_, _, def := load(t)
	fwd := obj(t, def, "actions", "Forward_to_function")
	in := obj(t, fwd, "inputs")
	if fwd["type"] != "Http" || in["method"] != "POST" {
		t.Errorf("Forward_to_function is %v %v, want an Http POST", fwd["type"], in["method"])
	}
	if in["body"] != "@triggerBody()" {
		t.Errorf("body = %v, want exactly @triggerBody()", in["body"])
	}
	auth := obj(t, in, "authentication")
	if auth["type"] != "ManagedServiceIdentity" || auth["audience"] != "@parameters('functionAudience')" {
		t.Errorf("authentication = %v", auth)
	}
	if _, ok := auth["identity"]; ok {
		t.Error("authentication names a user-assigned identity; the relay uses its system-assigned one")
	}
	if !strings.HasSuffix(in["uri"].(string), "/api/"+route) {
		t.Errorf("uri = %v, want the function route api/%s", in["uri"], route)
	}
	if obj(t, in, "retryPolicy")["type"] != "none" { // retryPolicy lives in inputs (logic-apps-exception-handling)
		t.Error("retryPolicy must be none: Entra waits at most 2 s and retries on its own")
	}
	if !slices.Contains(obj(t, fwd, "runtimeConfiguration", "secureData")["properties"].([]any), any("inputs")) {
		t.Error("Forward_to_function inputs (function key, callout body) must be secured in run history")
	}
}

func TestAcknowledgeReturnsTheFunctionsStatus(t *testing.T) {
	_, _, def := load(t)
	ack := obj(t, def, "actions", "Acknowledge")
	if ack["type"] != "Response" {
		t.Fatalf("Acknowledge type = %v", ack["type"])
	}
	after := obj(t, ack, "runAfter")["Forward_to_function"].([]any)
	for _, s := range []string{"Succeeded", "Failed", "TimedOut"} {
		if !slices.Contains(after, any(s)) {
			t.Errorf("Acknowledge does not run after Forward_to_function %s: Entra would get no answer", s)
		}
	}
	want := "@coalesce(outputs('Forward_to_function')?['statusCode'], 502)"
	if got := obj(t, ack, "inputs")["statusCode"]; got != want {
		t.Errorf("statusCode = %v, want %s", got, want)
	}
}

func TestFunctionKeyIsASecureParameter(t *testing.T) {
	tpl, wf, def := load(t)
	if p := tpl.Parameters["functionKey"]; p.Type != "securestring" || p.DefaultValue != nil {
		t.Errorf("template parameter functionKey = %+v, want securestring without a default", p)
	}
	if obj(t, def, "parameters", "functionKey")["type"] != "SecureString" {
		t.Error("workflow parameter functionKey must be SecureString")
	}
	vals := obj(t, wf, "properties", "parameters")
	for name := range obj(t, def, "parameters") {
		if got := obj(t, vals, name)["value"]; got != "[parameters('"+name+"')]" {
			t.Errorf("workflow parameter %s = %v, want the template parameter of the same name", name, got)
		}
	}
	if h := obj(t, def, "actions", "Forward_to_function", "inputs", "headers"); h["x-functions-key"] != "@parameters('functionKey')" {
		t.Errorf("x-functions-key header = %v", h["x-functions-key"])
	}
}

// TestRelayForwardsFixturesUnchanged runs every callout fixture through the
// relay's Http action and proves the function receives the same content and
// parses it to the same result as the body Entra sent.
func TestRelayForwardsFixturesUnchanged(t *testing.T) {
	tpl, wf, def := load(t)
	params := workflowParams(t, tpl, wf)
	files, err := filepath.Glob(fixtureGlob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no callout fixtures under %s: %v", fixtureGlob, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			in, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out, err := forward(obj(t, def, "actions", "Forward_to_function"), params, in)
			if err != nil {
				t.Fatalf("evaluate Forward_to_function: %v", err)
			}
			checkRequest(t, out)
			if !sameJSON(t, in, out.Body) {
				t.Fatalf("forwarded body differs from the trigger body:\n%s", out.Body)
			}
			sameParse(t, in, out.Body)
		})
	}
}

// workflowParams evaluates the values the template gives the workflow's
// parameters, as ARM would for testDeployment.
func workflowParams(t *testing.T, tpl *armTemplate, wf map[string]any) map[string]any {
	t.Helper()
	eval, err := tpl.evaluator(testDeployment)
	if err != nil {
		t.Fatalf("evaluate template: %v", err)
	}
	params := map[string]any{}
	for name, v := range obj(t, wf, "properties", "parameters") {
		if params[name], err = eval(obj(t, v)["value"]); err != nil {
			t.Fatalf("workflow parameter %s: %v", name, err)
		}
	}
	return params
}

func checkRequest(t *testing.T, out outbound) {
	t.Helper()
	if out.Method != "POST" || out.URI != "https://contoso-mfa.azurewebsites.net/api/"+route {
		t.Errorf("request = %s %s", out.Method, out.URI)
	}
	if out.Headers["x-functions-key"] != key || out.Headers["Content-Type"] != "application/json" {
		t.Errorf("headers = %v", out.Headers)
	}
	if out.AuthType != "ManagedServiceIdentity" || out.Audience != "api://contoso-mfa" {
		t.Errorf("authentication = %s %s", out.AuthType, out.Audience)
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	decode := func(p []byte) any {
		var v any
		dec := json.NewDecoder(bytes.NewReader(p))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("decode: %v", err)
		}
		return v
	}
	return reflect.DeepEqual(decode(a), decode(b))
}

func sameParse(t *testing.T, original, forwarded []byte) {
	t.Helper()
	want, wantErr := callout.Parse(original)
	got, err := callout.Parse(forwarded)
	if got != want || (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
		t.Fatalf("forwarded body parses to (%+v, %v), original to (%+v, %v)", got, err, want, wantErr)
	}
	if wantErr == nil && !got.ConnectionTest {
		t.Logf("forwarded: stage=%s connectionTest=%v key=%s", got.Stage, got.ConnectionTest, got.IdempotencyKey())
	}
}

// TestRouteMatchesFunctionJSON checks the relay's route against the
// function that serves it, once that function exists in functions/.
func TestRouteMatchesFunctionJSON(t *testing.T) {
	files, _ := filepath.Glob("../../../functions/*/function.json")
	for _, f := range files {
		var fj struct {
			Bindings []struct{ Type, Route string }
		}
		b, err := os.ReadFile(f)
		if err != nil || json.Unmarshal(b, &fj) != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		for _, bd := range fj.Bindings {
			if bd.Type == "httpTrigger" && bd.Route == route {
				return
			}
		}
	}
	t.Skipf("no function.json serves route %q yet; the relay posts there", route)
}
