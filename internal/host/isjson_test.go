package host

import (
	"net/http"
	"testing"
)

func TestIsJSON(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json": true, "application/json; charset=utf-8": true, "Application/JSON": true,
		"text/plain": false, "": false, "application/json; =bad": false,
	} {
		r := &HTTPRequest{Headers: http.Header{"Content-Type": {ct}}}
		if got := r.IsJSON(); got != want {
			t.Errorf("%q: %v, want %v", ct, got, want)
		}
	}
}
