// Command handler is the Azure Functions custom handler: one process that
// serves every function of the app over the custom-handler protocol.
//
// It listens before doing anything slow (the host polls GET / and gives up
// after 30 s), then reads settings and builds its clients; invocations that
// arrive meanwhile wait for the function table.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
)

func main() {
	level := new(slog.LevelVar)
	// stdout: the host records it as Information; JSON lines keep each
	// event one record in Application Insights.
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)
	if err := run(logger, level); err != nil {
		logger.Error("handler stopped", "err", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger, level *slog.LevelVar) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv := host.NewServer(logger)
	ln, err := net.Listen("tcp", host.ListenAddr())
	if err != nil {
		return err
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	logger.Info("handler listening", "addr", ln.Addr().String())

	start(ctx, srv, logger, level)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("handler stopped")
	return nil
}

// start reads settings and installs the function table. A failure keeps the
// process serving: every invocation then answers 503 with the reason, which
// lands in the host's logs, instead of a crash loop that says nothing.
func start(ctx context.Context, srv *host.Server, logger *slog.Logger, level *slog.LevelVar) {
	settings, err := config.FromEnv()
	if err != nil {
		srv.Fail(err)
		return
	}
	level.Set(settings.LogLevel)
	a, err := newApp(ctx, settings, logger)
	if err != nil {
		srv.Fail(err)
		return
	}
	srv.Ready(a.functions())
}
