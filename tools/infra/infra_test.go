package infra

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
)

// The Bicep CLI is not available where these tests run, so the template
// is checked as text: against the functions' bindings, the settings
// reference, and the relay template it includes.

func readBicep(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("main.bicep")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// bicepList returns the string items of `var name = [...]`.
func bicepList(t *testing.T, src, name string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^var ` + name + ` = \[([^\]]*)\]`).FindStringSubmatch(src)
	if m == nil {
		t.Fatalf("main.bicep has no var %s = [...]", name)
	}
	var out []string
	for _, q := range regexp.MustCompile(`'([^']*)'`).FindAllStringSubmatch(m[1], -1) {
		out = append(out, q[1])
	}
	return out
}

func TestEveryQueueTheFunctionsUseIsCreated(t *testing.T) {
	src := readBicep(t)
	queues := bicepList(t, src, "queues")
	triggered := bicepList(t, src, "triggeredQueues")
	want := []string{fido2msg.QueueJobs, fido2msg.QueuePending, fido2msg.QueueResults}
	bindings, err := filepath.Glob("../../functions/*/function.json")
	if err != nil || len(bindings) == 0 {
		t.Fatalf("no function.json files: %v", err)
	}
	for _, path := range bindings {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var fn struct {
			Bindings []struct{ Type, QueueName string }
		}
		if err := json.Unmarshal(raw, &fn); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, b := range fn.Bindings {
			if b.QueueName == "" {
				continue
			}
			want = append(want, b.QueueName)
			if b.Type == "queueTrigger" && !slices.Contains(triggered, b.QueueName) {
				t.Errorf("%s triggers on %s: add it to triggeredQueues (its -poison queue)", path, b.QueueName)
			}
		}
	}
	for _, q := range want {
		if !slices.Contains(queues, q) {
			t.Errorf("queue %s is used but main.bicep does not create it", q)
		}
	}
}

// notAppSettings are sample settings Flex Consumption takes elsewhere.
var notAppSettings = map[string]string{
	"FUNCTIONS_WORKER_RUNTIME": "Flex Consumption sets the runtime in functionAppConfig.runtime and refuses this setting",
	"AzureWebJobsStorage":      "a connection string; the template connects by identity (AzureWebJobsStorage__* service URIs)",
}

func TestEverySettingTheHandlerReadsIsSet(t *testing.T) {
	src := readBicep(t)
	raw, err := os.ReadFile("../../local.settings.sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var sample struct{ Values map[string]string }
	if err := json.Unmarshal(raw, &sample); err != nil {
		t.Fatal(err)
	}
	for name := range sample.Values {
		if strings.HasPrefix(name, "#") || notAppSettings[name] != "" {
			continue
		}
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(name) + `:`).MatchString(src) {
			t.Errorf("setting %s (local.settings.sample.json) is not among main.bicep's app settings", name)
		}
	}
	for name := range notAppSettings {
		if _, ok := sample.Values[name]; !ok {
			t.Errorf("notAppSettings names %s, which the sample no longer has", name)
		}
	}
	for _, identity := range []string{"AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId",
		"AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__tableServiceUri", "AzureWebJobsStorage__blobServiceUri"} {
		if !strings.Contains(src, identity+":") {
			t.Errorf("identity-based storage setting %s missing", identity)
		}
	}
}

// The relay is the template in tools/setup/relay, included, never copied,
// and given every parameter it has no default for.
func TestRelayTemplateIsIncludedWithItsParameters(t *testing.T) {
	src := readBicep(t)
	m := regexp.MustCompile(`(?s)module relay '([^']+)' = \{(.*?)\n\}`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal("main.bicep has no module relay")
	}
	if m[1] != "../setup/relay/relay.template.json" {
		t.Errorf("relay module path %s", m[1])
	}
	raw, err := os.ReadFile(m[1])
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Parameters map[string]struct {
			Type         string
			DefaultValue any
		}
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	for name, p := range tpl.Parameters {
		if !regexp.MustCompile(`(?m)^\s*` + name + `:`).MatchString(m[2]) {
			if p.DefaultValue == nil {
				t.Errorf("relay parameter %s has no default and is not passed", name)
			}
		}
	}
	if strings.Contains(src, "relay.template.json") && strings.Count(src, `"definition"`) > 0 {
		t.Error("main.bicep must include the relay template, not copy its definition")
	}
}

// A secret parameter reaches only the relay: never an app setting or an
// output.
func TestSecretsStayOutOfSettingsAndOutputs(t *testing.T) {
	src := readBicep(t)
	for _, m := range regexp.MustCompile(`(?m)^@secure\(\)\nparam (\w+)`).FindAllStringSubmatch(src, -1) {
		name := m[1]
		uses := regexp.MustCompile(`\b`+name+`\b`).FindAllStringIndex(src, -1)
		if len(uses) != 2 || !regexp.MustCompile(`functionKey: `+name).MatchString(src) {
			t.Errorf("secure parameter %s is used %d times; it may only be declared and passed to the relay", name, len(uses))
		}
	}
	if regexp.MustCompile(`(?m)^output \w+ string = .*[Kk]ey\b`).MatchString(src) {
		t.Error("an output names a key")
	}
	for _, must := range []string{"allowSharedKeyAccess: false", "enableRbacAuthorization: true", "DisableLocalAuth: true",
		"httpsOnly: true", "type: 'UserAssigned'", "tier: 'FlexConsumption'", "name: 'custom'"} {
		if !strings.Contains(src, must) {
			t.Errorf("main.bicep lacks %q", must)
		}
	}
}

// Every parameter without a default is in the example parameters file.
func TestParametersFileNamesEveryRequiredParameter(t *testing.T) {
	src := readBicep(t)
	raw, err := os.ReadFile("main.parameters.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Parameters map[string]any }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^param (\w+) \w+$`).FindAllStringSubmatch(src, -1) {
		if _, ok := file.Parameters[m[1]]; !ok {
			t.Errorf("required parameter %s missing from main.parameters.json", m[1])
		}
	}
	for name := range file.Parameters {
		if !regexp.MustCompile(`(?m)^param ` + name + ` `).MatchString(src) {
			t.Errorf("main.parameters.json names %s, which main.bicep does not declare", name)
		}
	}
}
