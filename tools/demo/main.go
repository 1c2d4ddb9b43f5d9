// Command demo runs the whole app locally and prints what happens: Azurite,
// a sandbox tenant (the Graph double seeded from a JSON file, and a token
// issuer that plays Entra ID, managed identity included), the real handler
// binary, and a simulated Functions host that drives NewHireTap through the
// custom-handler protocol.
//
//	go build -o bin/handler ./handler && go run ./tools/demo -handler bin/handler
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/sandbox"
)

func main() {
	handler := flag.String("handler", "bin/handler", "handler binary (go build -o bin/handler ./handler)")
	root := flag.String("root", ".", "repository root (host.json, functions/)")
	seed := flag.String("tenant", "internal/graphdouble/testdata/tenant.json", "sandbox tenant seed")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *handler, *root, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

// env is everything the demo started, stopped in reverse order.
type env struct {
	azurite *azurite.Instance
	sandbox *sandbox.Sandbox
	handler *hostsim.Process
	sim     *hostsim.Sim
}

func (e *env) close() {
	if e.handler != nil {
		e.handler.Stop()
	}
	if e.sandbox != nil {
		e.sandbox.Close()
	}
	if e.azurite != nil {
		e.azurite.Stop()
	}
}

const functionKey = "demo-function-key"

func run(ctx context.Context, handlerBin, root, seed string) error {
	e := &env{}
	defer e.close()
	if err := e.start(ctx, handlerBin, root, seed); err != nil {
		return err
	}
	t := &trace{e: e}
	return t.scenarios(ctx)
}

func (e *env) start(ctx context.Context, handlerBin, root, seed string) error {
	heading("Starting the local stack")
	var err error
	if e.azurite, err = azurite.Start(ctx); err != nil {
		return fmt.Errorf("azurite (run `make tools` first): %w", err)
	}
	step("Azurite (queues, tables)", e.azurite.QueueEndpoint())
	if e.sandbox, err = sandbox.Start(filepath.Join(root, seed), graphdouble.Options{}); err != nil {
		return err
	}
	step("sandbox Graph", e.sandbox.GraphURL)
	step("sandbox Entra ID (tokens, managed identity)", e.sandbox.Issuer.URL)
	start := time.Now()
	settings := e.sandbox.HandlerEnv(e.azurite.ConnectionString())
	if e.handler, err = hostsim.StartHandler(ctx, handlerBin, settings); err != nil {
		return err
	}
	step("handler", fmt.Sprintf("%s, answered GET / %v after exec (started in %v)", e.handler.URL, e.handler.Ready.Round(time.Microsecond), time.Since(start).Round(time.Millisecond)))
	e.sim, err = hostsim.New(hostsim.Config{
		AppRoot: root, HandlerURL: e.handler.URL, StorageConn: e.azurite.ConnectionString(), FunctionKey: functionKey,
		Settings: settings,
	})
	if err != nil {
		return err
	}
	var names []string
	for _, fn := range e.sim.Functions() {
		names = append(names, fn.Name)
	}
	step("simulated Functions host", fmt.Sprintf("functions %v from functions/*/function.json", names))
	return nil
}
