package journal

import (
	"testing"
)

// FuzzRead: any file content reads without panic into entries that are
// whole: this version, an event, a time, and written entries that carry
// their credential and result.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"v":1,"at":"2026-05-01T09:00:00Z","event":"sent","credentialId":"c1"}` + "\n"))
	f.Add([]byte(`{"v":1,"at":"2026-05-01T09:00:00Z","event":"written","credentialId":"c1","result":"x"}` + "\n{\"v\":1"))
	f.Add([]byte("\n\n{}\n[1]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, damaged := Read(data)
		if damaged < 0 {
			t.Fatal("negative damage")
		}
		for _, e := range entries {
			if e.V != FormatVersion || e.Event == "" || e.At.IsZero() || (e.Event == EventWritten && (e.CredentialID == "" || e.Result == "")) {
				t.Fatalf("accepted %+v", e)
			}
		}
	})
}
