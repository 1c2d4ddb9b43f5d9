package plan

import (
	"fmt"
	"io"
	"strings"
)

// Write prints the plan: one line per step, its notes indented under it.
func (p Plan) Write(w io.Writer) {
	fmt.Fprintln(w, p.Header)
	for _, sec := range p.Sections {
		fmt.Fprintf(w, "\n%s\n", sec.Title)
		for _, st := range sec.Steps {
			fmt.Fprintf(w, "  %s %s\n", st.Mark, st.Subject)
			for _, n := range st.Notes {
				fmt.Fprintf(w, "      %s\n", n)
			}
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, p.Summary())
}

// Summary is the plan's last line.
func (p Plan) Summary() string {
	manual := 0
	for _, sec := range p.Sections {
		for _, st := range sec.Steps {
			if st.Mark == Manual {
				manual++
			}
		}
	}
	var parts []string
	switch n := p.Changes(); n {
	case 0:
		parts = append(parts, "No changes: the tenant matches the plan.")
	case 1:
		parts = append(parts, "1 change to make (`setup apply`).")
	default:
		parts = append(parts, fmt.Sprintf("%d changes to make (`setup apply`).", n))
	}
	switch {
	case manual == 1:
		parts = append(parts, "1 step marked ! needs a person.")
	case manual > 1:
		parts = append(parts, fmt.Sprintf("%d steps marked ! need a person.", manual))
	}
	return strings.Join(parts, " ")
}
