package hostsim

import (
	"context"
	"strings"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
)

func TestCheckTable(t *testing.T) {
	sim, _ := newToySim(t, true, Config{AppRoot: writeApp(t, true, "toy", nil)})
	if err := sim.CheckTable(toyTable()); err != nil {
		t.Fatal(err)
	}
	table := toyTable()
	table[0].Route = "echo/{key}"                                            // Echo
	table[1].Methods = []string{"post", "put"}                               // Intake
	table[1].OutputBindings = []string{"Jobs"}                               // case matters
	table[3].Trigger = "msg"                                                 // Work
	table = append(table[:4], host.Function{Name: "Ghost", Trigger: "timer", // Cleanup dropped
		Timer: func(context.Context, *host.TimerInfo) error { return nil }})
	err := sim.CheckTable(table)
	if err == nil {
		t.Fatal("want disagreements")
	}
	for _, want := range []string{"Echo: route", "Intake: methods", "Intake: output bindings", "Work: trigger binding", "Ghost: in the table", "Cleanup: function.json but not"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
