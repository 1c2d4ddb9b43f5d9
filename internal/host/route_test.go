package host

import (
	"maps"
	"testing"
)

func TestRouteMatch(t *testing.T) {
	tests := []struct {
		tmpl, path string
		ok         bool
		params     map[string]string
	}{
		{"new-hire/tap", "new-hire/tap", true, map[string]string{}},
		{"new-hire/tap", "New-Hire/TAP/", true, map[string]string{}},
		{"new-hire/tap", "new-hire", false, nil},
		{"new-hire/tap", "new-hire/tap/x", false, nil},
		{"users/{id}/tap", "users/a%40b.c/tap", true, map[string]string{"id": "a@b.c"}},
		{"users/{id:guid}", "users/4e77", true, map[string]string{"id": "4e77"}},
		{"jobs/{id?}", "jobs", true, map[string]string{}},
		{"jobs/{id?}", "jobs/9", true, map[string]string{"id": "9"}},
		{"files/{*rest}", "files/a/b%20c", true, map[string]string{"rest": "a/b c"}},
		{"files/{*rest}", "files", true, map[string]string{"rest": ""}},
		{"users/{id}", "users/%zz", false, nil},
		{"", "", true, map[string]string{}},
	}
	for _, tc := range tests {
		rt, err := parseRoute(tc.tmpl)
		if err != nil {
			t.Fatalf("%q: %v", tc.tmpl, err)
		}
		p, ok := rt.match(tc.path)
		if ok != tc.ok || (ok && !maps.Equal(p, tc.params)) {
			t.Errorf("%q on %q: got %v %v", tc.tmpl, tc.path, p, ok)
		}
	}
}
