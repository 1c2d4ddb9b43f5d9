package softkey

import (
	"testing"
)

// FuzzParseOptions: any input is refused or yields options a key can use:
// an rp id, challenge and 1-64 byte user handle, a known credProtect level.
func FuzzParseOptions(f *testing.F) {
	f.Add(graphOptions())
	f.Add(graphOptions("TZ2KrDEawbrIGQsnheGZ/BG9Nfnb7blSGwQYMGyJIhM="))
	f.Add([]byte(`{"value":` + string(graphOptions()) + `}`))
	f.Add([]byte(`{"publicKey":{"rp":{"id":"x"},"user":{"id":"AA"},"challenge":"AA=="}}`))
	f.Add([]byte(`{"value":{"value":{}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := parseOptions(raw)
		if err != nil {
			return
		}
		if o.RPID == "" || len(o.Challenge) == 0 || len(o.UserID) == 0 || len(o.UserID) > 64 || o.CredProtect < 0 || o.CredProtect > 3 {
			t.Fatalf("accepted unusable options %+v from %q", o, raw)
		}
	})
}
