package config

import (
	"encoding/json"
	"os"
	"sort"
	"testing"
)

// The sample file is the settings reference: it must load cleanly and name
// every setting the code reads.
func TestSampleSettingsDocumentEverySetting(t *testing.T) {
	raw, err := os.ReadFile("../../local.settings.sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Values map[string]string }
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{}
	lookup := func(k string) (string, bool) {
		read[k] = true
		v, ok := file.Values[k]
		return v, ok
	}
	if _, err := Load(lookup); err != nil {
		t.Fatalf("sample settings do not load: %v", err)
	}
	var undocumented []string
	for k := range read {
		if _, ok := file.Values[k]; !ok {
			undocumented = append(undocumented, k)
		}
		if _, ok := file.Values["#"+k]; !ok {
			undocumented = append(undocumented, "#"+k+" (its description)")
		}
	}
	sort.Strings(undocumented)
	if len(undocumented) > 0 {
		t.Errorf("settings read by the code but missing from local.settings.sample.json: %v", undocumented)
	}
}
