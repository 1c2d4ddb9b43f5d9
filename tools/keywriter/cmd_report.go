package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/journal"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/report"
)

// report summarises journals (this desk's by default; several desks'
// copies may be given) and can write them as one CSV.
func (a *app) report(args []string) int {
	fs := flag.NewFlagSet("keywriter report", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	csvPath := fs.String("csv", "", "also write every row to this CSV file (appended to)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{a.defaultJournal()}
	}
	var rows []report.Row
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			a.errorf("%v", err)
			return exitError
		}
		entries, damaged := journal.Read(data)
		if damaged > 0 {
			a.errorf("%s: %d unreadable lines skipped", p, damaged)
		}
		rows = append(rows, report.FromJournal(entries)...)
	}
	fmt.Fprintf(a.stdout, "%d items in %d journal(s):\n", len(rows), len(paths))
	for _, c := range report.Count(rows) {
		fmt.Fprintf(a.stdout, "  %-8s %d\n", c.Status, c.N)
	}
	for _, r := range rows {
		if r.Status != "written" || r.Finalize != "" {
			note := r.Reason
			if note == "" {
				note = r.Finalize
			}
			if note == "" && r.Status == report.StatusUnsent {
				note = "result not sent yet: the next run sends it"
			}
			if note == "" && r.Status == report.StatusSent {
				note = "pending message not closed: the next run closes it"
			}
			fmt.Fprintf(a.stdout, "  %-8s %s (item %d of job %s): %s\n", r.Status, r.UPN, r.Index, r.JobID, note)
		}
	}
	if *csvPath == "" {
		return exitOK
	}
	f, c, err := a.openCSV(*csvPath)
	if err != nil {
		a.errorf("%v", err)
		return exitError
	}
	defer f.Close()
	for _, r := range rows {
		if err := c.Add(r); err != nil {
			a.errorf("%v", err)
			return exitError
		}
	}
	fmt.Fprintf(a.stdout, "CSV: %s\n", f.Name())
	return exitOK
}
