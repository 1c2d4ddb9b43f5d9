package phonesync

import "testing"

func TestScrubNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"Invalid phone number '+1 4255551234'.":                     "Invalid phone number '•••••••••••34'.",
		"number 4255551234 refused":                                 "number ••••••••34 refused",
		"+44 (20) 7946-0018x12 is bad":                              "•••••••••••••••••••12 is bad",
		"Resource '10000000-0000-4000-8000-000000000001' not found": "Resource '10000000-0000-4000-8000-000000000001' not found",
		"status 400 badRequest: retry after 120 s":                  "status 400 badRequest: retry after 120 s",
	} {
		if got := scrubNumbers(in); got != want {
			t.Errorf("scrubNumbers(%q) = %q, want %q", in, got, want)
		}
	}
}
