package callout

import (
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const graphBase = "https://graph.microsoft.com/v1.0"

// FuzzParse checks the properties callers rely on, for any input: Parse
// never panics; errors are *ParseError naming one of our own field paths
// (never input text); anything accepted re-validates, and its callback path
// appended to the Graph base URL stays on Graph, below CallbackPrefix, with
// no query, fragment or dot segments.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	fields := wireFieldPaths()
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := Parse(body)
		if err != nil {
			checkFuzzError(t, err, fields)
			return
		}
		if c.ConnectionTest {
			if c != (Callout{Stage: StageConnectionTest, ConnectionTest: true}) {
				t.Fatalf("connection test carries data: %+v", c)
			}
			return
		}
		if err := c.Validate([]string{c.Stage}); err != nil {
			t.Fatalf("accepted callout does not validate: %v", err)
		}
		checkStaysOnGraph(t, c.CallbackURIPath)
	})
}

func checkFuzzError(t *testing.T, err error, fields map[string]bool) {
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
	if !fields[pe.Field] {
		t.Fatalf("error names field %q, which is not ours", pe.Field)
	}
}

func checkStaysOnGraph(t *testing.T, p string) {
	u, err := url.Parse(graphBase + p)
	if err != nil {
		t.Fatalf("callback path %q does not make a URL: %v", p, err)
	}
	if u.Scheme != "https" || u.Host != "graph.microsoft.com" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		t.Fatalf("callback path %q moves the URL to %#v", p, u)
	}
	clean := path.Clean(u.Path)
	if strings.TrimSuffix(u.Path, "/") != clean {
		t.Fatalf("callback path %q has dot or empty segments", p)
	}
	if !strings.HasPrefix(strings.ToLower(clean+"/"), strings.ToLower("/v1.0"+CallbackPrefix)) {
		t.Fatalf("callback path %q leaves %s", p, CallbackPrefix)
	}
}

// wireFieldPaths lists every field path ParseError may name: "body" and
// the dotted JSON tag paths of wire.
func wireFieldPaths() map[string]bool {
	out := map[string]bool{fieldBody: true}
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name := prefix + f.Tag.Get("json")
			out[name] = true
			if ft := f.Type; ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
				walk(name+".", ft)
			}
		}
	}
	walk("", reflect.TypeOf(wire{}))
	return out
}

func TestWireFieldPathsCoverCheckedFields(t *testing.T) {
	fields := wireFieldPaths()
	for _, f := range []string{fieldRequestID, fieldStageInstanceID, fieldCallbackURIPath, fieldStage,
		fieldRequestType, fieldTarget, fieldRequestor, fieldAccessPackage, fieldCatalog} {
		if !fields[f] {
			t.Errorf("field %q is checked but not a wire path", f)
		}
	}
}

// FuzzCallbackPath aims the fuzzer at the one field that becomes part of a
// URL: each input is placed, JSON-encoded, into an otherwise valid callout,
// so mutations are not spent on JSON syntax.
func FuzzCallbackPath(f *testing.F) {
	for _, p := range []string{
		"/identityGovernance/entitlementManagement/accessPackageAssignmentRequests/5d6a8f8e-3b7c-4f1e-9a2d-7c1b0e4f6a21/resume",
		"/identityGovernance/entitlementManagement/../../users",
		"/identityGovernance/entitlementManagement//evil.example",
		"/identityGovernance/entitlementManagement/%2e%2e",
		"https://evil.example/identityGovernance/entitlementManagement/x",
	} {
		f.Add(p)
	}
	var base map[string]any
	if err := json.Unmarshal(fixture(f, "approved.json"), &base); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p string) {
		m := maps.Clone(base)
		m["CallbackUriPath"] = p
		body, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Parse(body)
		if err != nil {
			wantField(t, err, fieldCallbackURIPath)
			return
		}
		checkStaysOnGraph(t, c.CallbackURIPath)
	})
}

func wantField(t *testing.T, err error, field string) {
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Field != field {
		t.Fatalf("error = %v, want a ParseError for %s", err, field)
	}
}
