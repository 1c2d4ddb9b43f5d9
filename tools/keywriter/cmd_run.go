package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"golang.org/x/term"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/console"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/desk"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/journal"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/report"
)

// runFlags are `keywriter run`'s settings beyond desk.Settings.
type runFlags struct {
	conn, queueService, vault, auth, tenant string
	journal, csv                            string
	secretExpiry                            time.Duration
	dryRun, verbose                         bool
}

func (a *app) runFlagSet(s *desk.Settings, f *runFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("keywriter run", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	host, _ := os.Hostname()
	fs.StringVar(&f.conn, "storage-connection-string", a.getenv("KEYWRITER_STORAGE_CONNECTION_STRING"),
		"storage connection string, for Azurite and local runs (\"UseDevelopmentStorage=true\"); env KEYWRITER_STORAGE_CONNECTION_STRING")
	fs.StringVar(&f.queueService, "queue-service", a.getenv("KEYWRITER_QUEUE_SERVICE"),
		"queue service URL, https://<account>.queue.core.windows.net, reached with your sign-in; env KEYWRITER_QUEUE_SERVICE")
	fs.StringVar(&f.vault, "vault", a.getenv("KEYWRITER_VAULT"), "Key Vault URL for the PINs the desk sets, https://<name>.vault.azure.net; env KEYWRITER_VAULT")
	fs.StringVar(&f.auth, "auth", "cli", "sign-in: cli (Azure CLI), browser (interactive) or device (device code)")
	fs.StringVar(&f.tenant, "tenant", a.getenv("KEYWRITER_TENANT"), "Entra tenant id to sign in to; env KEYWRITER_TENANT")
	fs.StringVar(&f.journal, "journal", a.defaultJournal(), "the desk's journal (no PINs)")
	fs.StringVar(&f.csv, "csv", "", "CSV report to append to (default: a new file under the state directory)")
	fs.DurationVar(&f.secretExpiry, "pin-secret-expiry", 30*24*time.Hour, "how long a PIN's Key Vault secret lives")
	fs.BoolVar(&f.dryRun, "dry-run", false, "show what would be done with the waiting messages; change nothing")
	fs.BoolVar(&f.verbose, "verbose", false, "log each item's outcome")
	fs.StringVar(&s.Delivery, "pin-delivery", s.Delivery, "where a PIN the desk sets goes: vault or screen (shown once)")
	fs.IntVar(&s.PINLength, "pin-length", s.PINLength, "length of PINs the desk sets (6..63)")
	fs.IntVar(&s.MinPINLength, "min-pin-length", s.MinPINLength, "minimum PIN length to set on CTAP 2.1 keys (0: leave)")
	fs.BoolVar(&s.ForcePINChange, "force-pin-change", s.ForcePINChange, "make the user change the PIN at first use (CTAP 2.1)")
	fs.StringVar(&s.OnPINSet, "on-pin-set", s.OnPINSet, "a key that already has a PIN: ask (typed, hidden) or skip")
	fs.Func("aaguid", "allow only this key model (repeat, or comma-separated)", func(v string) error {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				s.AllowedAAGUIDs = append(s.AllowedAAGUIDs, x)
			}
		}
		return nil
	})
	fs.DurationVar(&s.Visibility, "visibility", s.Visibility, "how long a message is held invisible (renewed while working)")
	fs.DurationVar(&s.ExpiryMargin, "expiry-margin", s.ExpiryMargin, "skip a user whose challenge expires within this")
	fs.DurationVar(&s.TouchTimeout, "touch-timeout", s.TouchTimeout, "how long to wait for a touch")
	fs.DurationVar(&s.RetryLater, "retry-later", s.RetryLater, "a failed item returns to the queue after this")
	fs.StringVar(&s.Workstation, "workstation", host, "this desk's name in results, secrets and the journal")
	fs.BoolVar(&s.Once, "once", false, "stop after one message")
	return fs
}

func (a *app) run(args []string) int {
	s := desk.Defaults()
	var f runFlags
	fs := a.runFlagSet(&s, &f)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if msg := f.check(s, fs.NArg()); msg != "" {
		a.errorf("%s", msg)
		return exitUsage
	}
	level := slog.LevelWarn
	if f.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
	con := a.console()
	ctx, stop := a.signals()
	defer stop()

	r, cleanup, err := a.runner(ctx, s, f, con, log)
	if err != nil {
		a.errorf("%v", err)
		return exitError
	}
	defer cleanup()
	if f.dryRun {
		return a.dryRun(ctx, r)
	}
	sum, err := r.Run(ctx)
	con.Summary(sum)
	switch {
	case errors.Is(err, desk.ErrInterrupted):
		return exitInterrupted
	case err != nil:
		a.errorf("%v", err)
		return exitError
	case sum.Failed > 0:
		return exitItemsFailed
	}
	return exitOK
}

// check reports a usage problem, or "".
func (f runFlags) check(s desk.Settings, extra int) string {
	switch {
	case extra > 0:
		return "run takes flags only"
	case (f.conn == "") == (f.queueService == ""):
		return "give --queue-service (your sign-in) or --storage-connection-string (Azurite), one of them"
	case s.Delivery == desk.DeliverVault && f.vault == "" && !f.dryRun:
		return "--pin-delivery vault needs --vault https://<name>.vault.azure.net (or --pin-delivery screen)"
	case f.secretExpiry < time.Hour:
		return "--pin-secret-expiry must be at least an hour"
	}
	if err := s.Validate(); err != nil {
		return err.Error()
	}
	return ""
}

// runner builds the run's clients, journal and report.
func (a *app) runner(ctx context.Context, s desk.Settings, f runFlags, con *console.Console, log *slog.Logger) (*desk.Runner, func(), error) {
	var cred azcore.TokenCredential
	credential := func() (azcore.TokenCredential, error) {
		if cred != nil {
			return cred, nil
		}
		c, err := a.credential(f.auth, f.tenant)
		cred = c
		return c, err
	}
	svc, err := a.queueClient(f, credential, log)
	if err != nil {
		return nil, nil, err
	}
	var pins desk.PINStore
	if s.Delivery == desk.DeliverVault && f.vault != "" {
		c, err := credential()
		if err != nil {
			return nil, nil, fmt.Errorf("sign in: %w", err)
		}
		kv, err := azsecrets.NewClient(f.vault, c, a.vaultOptions)
		if err != nil {
			return nil, nil, fmt.Errorf("Key Vault client: %w", err)
		}
		pins = desk.VaultStore{Client: kv, Expiry: f.secretExpiry}
	}
	j, err := journal.Open(f.journal)
	if err != nil {
		return nil, nil, err
	}
	if j.Damaged > 0 {
		log.Warn("journal has unreadable lines; they were skipped", "path", f.journal, "lines", j.Damaged)
	}
	r := &desk.Runner{Settings: s, Queues: desk.Queues{Service: svc}, Keys: a.keys, Operator: con, Journal: j, PINs: pins, Log: log}
	if f.dryRun {
		return r, func() { j.Close() }, nil
	}
	csvFile, csv, err := a.openCSV(f.csv)
	if err != nil {
		j.Close()
		return nil, nil, err
	}
	fmt.Fprintf(a.stdout, "Report: %s\nJournal: %s\n", csvFile.Name(), f.journal)
	r.Outcomes = func(o desk.Outcome) {
		if err := csv.Add(o.Row(s.Workstation)); err != nil {
			log.Error("report", "err", err)
		}
	}
	return r, func() { csvFile.Close(); j.Close() }, nil
}

func (a *app) queueClient(f runFlags, credential func() (azcore.TokenCredential, error), log *slog.Logger) (*azqueue.ServiceClient, error) {
	if f.conn != "" {
		lower := strings.ToLower(f.conn)
		if strings.Contains(lower, "accountkey=") && !strings.Contains(lower, "devstoreaccount1") {
			log.Warn("an account key is a secret on this desk; prefer --queue-service with your sign-in")
		}
		return queue.ServiceClient(f.conn)
	}
	c, err := credential()
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	return queue.ServiceClientWithCredential(f.queueService, c)
}

// openCSV appends to the report (a new one per run by default), 0600.
func (a *app) openCSV(path string) (*os.File, *report.CSV, error) {
	if path == "" {
		path = filepath.Join(a.stateDir(), "reports", "keywriter-"+time.Now().Format("20060102-150405")+".csv")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("report: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("report: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("report: %w", err)
	}
	c, err := report.NewCSV(f, info.Size() == 0)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, c, nil
}

func (a *app) dryRun(ctx context.Context, r *desk.Runner) int {
	previews, err := r.Preview(ctx)
	if err != nil {
		a.errorf("%v", err)
		return exitError
	}
	if len(previews) == 0 {
		fmt.Fprintln(a.stdout, "No messages waiting.")
		return exitOK
	}
	fmt.Fprintf(a.stdout, "The first %d waiting messages (nothing was changed):\n", len(previews))
	for _, p := range previews {
		line := fmt.Sprintf("  %-10s item %d of job %s  %s", p.Status, p.Item.Index, p.Item.JobID, p.Item.UPN)
		if p.Reason != "" {
			line += "  — " + p.Reason
		}
		fmt.Fprintln(a.stdout, line)
	}
	return exitOK
}

// signals: the first Ctrl-C stops the run after the current step (the
// message goes back to the queue); a second quits at once.
func (a *app) signals() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	restore := func() {}
	if a.terminal >= 0 {
		if st, err := term.GetState(a.terminal); err == nil {
			restore = func() { _ = term.Restore(a.terminal, st) }
		}
	}
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		first := true
		for range ch {
			if first {
				first = false
				fmt.Fprintln(a.stderr, "\nStopping after the current step; the message goes back to the queue. Ctrl-C again quits at once.")
				cancel()
				continue
			}
			restore()
			os.Exit(exitInterrupted)
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel()
		restore()
	}
}
