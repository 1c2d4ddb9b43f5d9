// Command toyhandler is a minimal custom handler for hostsim's process
// tests: it listens at once, "starts up" for TOY_START_DELAY, then serves
// Echo (forwarded HTTP) and Work (queue) like the toy app's function.json.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	srv := host.NewServer(log)
	ln, err := net.Listen("tcp", host.ListenAddr())
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	go func() {
		delay, _ := time.ParseDuration(os.Getenv("TOY_START_DELAY"))
		time.Sleep(delay)
		srv.Ready(functions())
	}()
	fmt.Fprintln(os.Stderr, "warn: toy handler for tests")
	_ = http.Serve(ln, srv)
}

func functions() []host.Function {
	return []host.Function{
		{Name: "Echo", Trigger: "req", Route: "echo/{id}", Methods: []string{"post"},
			HTTP: func(_ context.Context, r *host.HTTPRequest) *host.HTTPResponse {
				return host.JSON(http.StatusOK, map[string]string{"id": r.Params["id"], "greeting": os.Getenv("TOY_GREETING")})
			}},
		{Name: "Work", Trigger: "job",
			Queue: func(_ context.Context, m *host.QueueMessage) (host.Outputs, error) {
				var job struct{ JobID string }
				if err := json.Unmarshal(m.Body, &job); err != nil {
					return nil, err
				}
				return host.Outputs{"results": {map[string]string{"jobId": job.JobID}}}, nil
			}},
	}
}
