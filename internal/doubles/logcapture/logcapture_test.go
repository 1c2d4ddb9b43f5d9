package logcapture_test

import (
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/logcapture"
)

func TestCapturesAtLevel(t *testing.T) {
	log, buf := logcapture.New(slog.LevelInfo)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { log.Info("kept", "k", "v") })
	}
	wg.Wait()
	log.Debug("dropped")
	if got := strings.Count(buf.String(), `"msg":"kept"`); got != 4 || strings.Contains(buf.String(), "dropped") {
		t.Fatalf("captured %q", buf.String())
	}
}
