package groupexpiry_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim"
)

// The timer through the host's protocol, from our own
// functions/CaGroupExpiry/function.json: the schedule resolves from the
// app setting, a past-due payload runs normally, and a failed run fails
// the invocation (the host logs it; the next schedule retries).
func TestThroughTheHostProtocol(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.recordJoin(nora, 4*time.Hour)
	srv := host.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv.Ready([]host.Function{{Name: "CaGroupExpiry", Trigger: "timer", Timer: r.timer.Run}})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	sim, err := hostsim.New(hostsim.Config{AppRoot: "../..", HandlerURL: hs.URL,
		Settings: map[string]string{"CA_GROUP_EXPIRY_SCHEDULE": config.DefaultGroupExpirySchedule}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := sim.Timer(ctx, "CaGroupExpiry", true); err != nil {
		t.Fatal(err)
	}
	if r.members()[nora] || r.summary()["past_due"] != true {
		t.Errorf("past-due run: members %v, summary %v", r.members(), r.summary())
	}
	r.join(caGroup, sam)
	r.recordJoin(sam, 4*time.Hour)
	r.double.AddFault(graphdouble.ServerError("DELETE", "/v1.0/groups/**", http.StatusInternalServerError, 1))
	var ie *hostsim.InvocationError
	if err := sim.Timer(ctx, "CaGroupExpiry", false); !errors.As(err, &ie) {
		t.Fatalf("a failed run must fail the invocation: %v", err)
	}
}
