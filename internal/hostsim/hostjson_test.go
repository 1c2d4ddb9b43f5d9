package hostsim

import (
	"testing"
	"time"
)

func TestParseTimeSpan(t *testing.T) {
	tests := map[string]time.Duration{
		"":           0,
		"00:00:30":   30 * time.Second,
		"00:05:00":   5 * time.Minute,
		"01:02:03.5": time.Hour + 2*time.Minute + 3500*time.Millisecond,
		"1.00:00:00": 24 * time.Hour,
		"2.03:00:00": 51 * time.Hour,
	}
	for in, want := range tests {
		if got, err := parseTimeSpan(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"30", "00:60:00", "x:00:00", "00:00:61", "1.2.00:00:00"} {
		if _, err := parseTimeSpan(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestHostJSONConfig(t *testing.T) {
	empty := ""
	base := func() hostJSON {
		var h hostJSON
		h.Version = "2.0"
		h.CustomHandler = &struct {
			EnableForwardingHTTPRequest bool `json:"enableForwardingHttpRequest"`
		}{}
		return h
	}
	h := base()
	cfg, err := h.config()
	if err != nil || cfg.RoutePrefix != "api" || cfg.MaxDequeueCount != 5 || cfg.MessageEncoding != "base64" || cfg.Forwarding {
		t.Fatalf("defaults %+v %v", cfg, err)
	}
	h.Extensions.HTTP.RoutePrefix = &empty
	h.Extensions.Queues.MessageEncoding = "None"
	if cfg, err = h.config(); err != nil || cfg.RoutePrefix != "" || cfg.MessageEncoding != "none" {
		t.Fatalf("overrides %+v %v", cfg, err)
	}
	zero := int64(0)
	for name, mutate := range map[string]func(*hostJSON){
		"version 1":           func(h *hostJSON) { h.Version = "1.0" },
		"no customHandler":    func(h *hostJSON) { h.CustomHandler = nil },
		"maxDequeueCount 0":   func(h *hostJSON) { h.Extensions.Queues.MaxDequeueCount = &zero },
		"unknown encoding":    func(h *hostJSON) { h.Extensions.Queues.MessageEncoding = "utf8" },
		"bad functionTimeout": func(h *hostJSON) { h.FunctionTimeout = "5m" },
	} {
		h := base()
		mutate(&h)
		if _, err := h.config(); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func TestDotnetBase64(t *testing.T) {
	for in, want := range map[string]string{"done": "v\x89\xde", "ab cd\r\n": "i\xb7\x1d", "eyJhIjoxfQ==": `{"a":1}`} {
		if got, ok := dotnetBase64(in); !ok || string(got) != want {
			t.Errorf("%q: %q %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "abc", `{"a":1}`, "4e773554-f6b7-4ea2-b07d-4c5fd5aba741"} {
		if _, ok := dotnetBase64(in); ok {
			t.Errorf("%q decoded", in)
		}
	}
}
