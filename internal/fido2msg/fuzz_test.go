package fido2msg

import (
	"encoding/base64"
	"testing"
)

// FuzzDecodeText: any queue text decodes or fails cleanly, and what
// decodes as a job re-encodes and decodes to the same job.
func FuzzDecodeText(f *testing.F) {
	f.Add(`{"type":"fido2.job","version":1,"jobId":"7a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b","groupId":"20000000-0000-4000-8000-000000000005","challengeTimeoutMinutes":60,"replaceExisting":false}`)
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"type":"fido2.job","version":1,"userIds":["10000000-0000-4000-8000-000000000001"]}`)))
	f.Add(`{"type":"fido2.job","version":2}`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, text string) {
		var j Job
		if err := DecodeText(text, TypeJob, &j); err != nil {
			return
		}
		again, err := Encode(j)
		if err != nil {
			return // oversized after re-encoding is refused, not a crash
		}
		var k Job
		if err := DecodeText(again, TypeJob, &k); err != nil {
			t.Fatalf("re-decoding %q: %v", again, err)
		}
		_ = j.Validate()
	})
}
