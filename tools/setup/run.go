package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/setup/internal/plan"
)

// connector opens the tenant for the settings; tests pass the Graph double.
type connector func(config.Settings) (directory.Tenant, error)

const usage = `usage: setup [plan|apply|verify] [flags]

  plan    print what would be created or changed (default); changes nothing
  apply   make those changes; running it again changes nothing
  verify  check the tenant's posture: each line pass or fail, with the fix

flags:
`

func run(ctx context.Context, args []string, out io.Writer, open connector) error {
	cmd := "plan"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { fmt.Fprint(out, usage); fs.PrintDefaults() }
	settingsFile := fs.String("settings", "", "settings as the handler reads them: a local.settings.json (its Values); empty: the environment")
	var in plan.Inputs
	fs.StringVar(&in.Identity, "identity", "", "the Function's managed identity: client id or object id (default AZURE_CLIENT_ID)")
	users := fs.String("break-glass-users", "", "object ids of break-glass accounts, comma-separated, excluded from every policy")
	groups := fs.String("break-glass-groups", "", "object ids of break-glass groups, comma-separated, excluded from every policy")
	fs.BoolVar(&in.Enforce, "enforce", false, "turn the Conditional Access policies on (default: report-only)")
	fs.StringVar(&in.Catalog, "catalog", "", "object id of the MFA reset access package's catalog: its custom extension and, with RESET_RESUME, the identity's catalog role")
	fs.StringVar(&in.Relay, "relay", "", "the relay Logic App's resource id (tools/infra's relayWorkflowPath output); needs --catalog")
	fs.StringVar(&in.Policy, "policy", "", "object id of the access package's assignment policy, whose RESET_STAGES run the extension; needs --catalog")
	fs.DurationVar(&in.CallbackTimeout, "callback-timeout", plan.DefaultCallbackTimeout, "how long a request waits for the outcome (launch and wait), 5m to 336h")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected %q", fs.Arg(0))
	}
	in.BreakGlassUsers, in.BreakGlassGroups = splitList(*users), splitList(*groups)
	s, err := loadSettings(*settingsFile)
	if err != nil {
		return err
	}
	in.Settings = s
	if err := in.Check(); err != nil {
		return err
	}
	t, err := open(s)
	if err != nil {
		return err
	}
	switch cmd {
	case "plan":
		p, err := plan.Build(ctx, t, in)
		if err != nil {
			return err
		}
		p.Write(out)
		return nil
	case "apply":
		return apply(ctx, t, in, out)
	case "verify":
		return verify(ctx, t, in, out)
	}
	fs.Usage()
	return fmt.Errorf("unknown command %q", cmd)
}

// apply makes the plan, then plans again: a tenant that still differs is
// an error, not a success.
func apply(ctx context.Context, t directory.Tenant, in plan.Inputs, out io.Writer) error {
	p, err := plan.Build(ctx, t, in)
	if err != nil {
		return err
	}
	p.Write(out)
	if p.Changes() == 0 {
		return nil
	}
	fmt.Fprintln(out)
	done, err := plan.Apply(ctx, t, p, out)
	if err != nil {
		return fmt.Errorf("after %d of %d changes: %w (run setup plan to see what is left)", done, p.Changes(), err)
	}
	again, err := plan.Build(ctx, t, in)
	if err != nil {
		return fmt.Errorf("applied %d changes, then could not read the tenant back: %w", done, err)
	}
	if n := again.Changes(); n > 0 {
		return fmt.Errorf("applied %d changes, yet a new plan still finds %d", done, n)
	}
	fmt.Fprintf(out, "\nApplied %d changes; a new plan finds none.\n", done)
	return nil
}

// loadSettings reads a local.settings.json's Values, or the environment,
// through the handler's own validation.
func loadSettings(path string) (config.Settings, error) {
	lookup := os.LookupEnv
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return config.Settings{}, err
		}
		var file struct{ Values map[string]string }
		if err := json.Unmarshal(raw, &file); err != nil {
			return config.Settings{}, fmt.Errorf("%s: %w", path, err)
		}
		if file.Values == nil {
			return config.Settings{}, errors.New(path + ": no Values object (the local.settings.json format)")
		}
		lookup = func(k string) (string, bool) { v, ok := file.Values[k]; return v, ok }
	}
	s, err := config.Load(lookup)
	if err != nil {
		return s, fmt.Errorf("settings: %w", err)
	}
	return s, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, strings.ToLower(f))
		}
	}
	return out
}

// verify prints the posture checks; any failure is an error (exit 1).
func verify(ctx context.Context, t directory.Tenant, in plan.Inputs, out io.Writer) error {
	checks, err := plan.Verify(ctx, t, in)
	if err != nil {
		return err
	}
	if failed := plan.WriteChecks(out, checks); failed > 0 {
		return fmt.Errorf("%d of %d checks failed", failed, len(checks))
	}
	return nil
}
