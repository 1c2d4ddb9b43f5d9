package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/desk"
)

func (a *app) reset(args []string) int {
	fs := flag.NewFlagSet("keywriter reset", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	s := desk.Defaults()
	fs.DurationVar(&s.TouchTimeout, "touch-timeout", s.TouchTimeout, "how long to wait for the touch")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	ctx, stop := a.signals()
	defer stop()
	err := desk.Reset(ctx, a.keys, a.console(), s)
	switch {
	case errors.Is(err, desk.ErrNotConfirmed):
		fmt.Fprintln(a.stdout, err)
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case err != nil:
		a.errorf("%v", err)
		return exitError
	}
	fmt.Fprintln(a.stdout, "The key was reset: no passkeys, no PIN.")
	return exitOK
}
