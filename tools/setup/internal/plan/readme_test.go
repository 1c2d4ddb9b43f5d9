package plan

import (
	"os"
	"strings"
	"testing"
)

// The README's permissions table is the Permissions list rendered: what
// setup grants and what the README tells an engineer must never differ.
func TestREADMEPermissionsTableIsThePermissionsList(t *testing.T) {
	raw, err := os.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	got, ok := tableAfter(string(raw), "## Permissions and why")
	if !ok {
		t.Fatal(`README.md has no table under "## Permissions and why"`)
	}
	if want := MarkdownTable(); got != want {
		t.Errorf("README.md's permissions table differs from plan.Permissions; replace it with:\n\n%s", want)
	}
}

// tableAfter returns the first Markdown table after the heading.
func tableAfter(doc, heading string) (string, bool) {
	_, rest, found := strings.Cut(doc, "\n"+heading+"\n")
	if !found {
		return "", false
	}
	var rows []string
	for _, line := range strings.Split(rest, "\n") {
		switch {
		case strings.HasPrefix(line, "|"):
			rows = append(rows, line)
		case len(rows) > 0:
			return strings.Join(rows, "\n") + "\n", true
		case strings.HasPrefix(line, "## "):
			return "", false
		}
	}
	return "", false
}
