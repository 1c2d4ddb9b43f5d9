package hostsim

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Timer invokes timer function name once. pastDue sets IsPastDue, as when a
// run was missed (the app was down at the scheduled time). With useMonitor
// (the default) ScheduleStatus carries Last and Next; they are plausible
// values around now, not computed from the schedule. A failed invocation is
// an *InvocationError.
func (s *Sim) Timer(ctx context.Context, name string, pastDue bool) error {
	fn, err := s.function(name, "timerTrigger")
	if err != nil {
		return err
	}
	trig := fn.Trigger()
	if sched := s.resolve(trig.Schedule); len(strings.Fields(sched)) != 6 && !isTimeSpan(sched) {
		return fmt.Errorf("hostsim: %s: schedule %q is neither a 6-field NCRONTAB expression nor a TimeSpan", name, sched)
	}
	_, err = s.invoke(ctx, fn, invocation{
		Data:     map[string]any{trig.Name: timerInfo(trig, pastDue)},
		Metadata: map[string]any{"sys": sysMetadata(fn)},
	})
	return err
}

func isTimeSpan(s string) bool {
	_, err := parseTimeSpan(s)
	return err == nil && s != ""
}

// timerInfo is TimerInfo as JObject.FromObject serialises it.
func timerInfo(trig *Binding, pastDue bool) map[string]any {
	info := map[string]any{"Schedule": map[string]any{"AdjustForDST": true}, "ScheduleStatus": nil, "IsPastDue": pastDue}
	if trig.UseMonitor == nil || *trig.UseMonitor {
		now := time.Now().UTC()
		last, next := now.Add(-24*time.Hour), now.Add(24*time.Hour)
		if pastDue {
			last, next = now.Add(-48*time.Hour), now.Add(-24*time.Hour) // the due run was missed
		}
		f := func(t time.Time) string { return t.Format("2006-01-02T15:04:05.0000000Z") }
		info["ScheduleStatus"] = map[string]any{"Last": f(last), "Next": f(next), "LastUpdated": f(last)}
	}
	return info
}
