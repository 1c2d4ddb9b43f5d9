package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/redact"
)

func TestRecordShape(t *testing.T) {
	var buf bytes.Buffer
	a := New(slog.New(slog.NewJSONHandler(&buf, nil)))
	a.Record(context.Background(), Event{
		Action: "newhire.tap", Outcome: Failed, Reason: "delivery failed", TargetID: "u1",
		Attrs: []slog.Attr{slog.Any("tap", redact.New("SECRET-PASS"))},
	})
	var line struct {
		Level string
		Msg   string
		Audit map[string]string
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err, buf.String())
	}
	if line.Msg != "audit" || line.Level != "WARN" {
		t.Errorf("line %+v", line)
	}
	want := map[string]string{"action": "newhire.tap", "outcome": Failed, "reason": "delivery failed", "target_id": "u1", "tap": "[REDACTED]"}
	for k, v := range want {
		if line.Audit[k] != v {
			t.Errorf("audit[%s] = %q, want %q", k, line.Audit[k], v)
		}
	}
	if _, ok := line.Audit["caller_app_id"]; ok {
		t.Error("empty fields must be left out")
	}
}
