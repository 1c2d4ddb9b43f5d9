package config

import (
	"regexp"
	"strings"
	"time"
)

// GroupExpiry configures CaGroupExpiry, the timer that removes members of
// the temporary Conditional Access group (Reset.CAGroupID) once their
// window is over.
type GroupExpiry struct {
	// Schedule is the 6-field NCRONTAB expression. The Functions host reads
	// it through function.json ("%CA_GROUP_EXPIRY_SCHEDULE%"), not our
	// code; it is read here so a malformed one fails at start-up with the
	// other settings instead of only in the host's log.
	Schedule string
	// Window is how long a member may stay after joining.
	Window time.Duration
	// UnknownMembers is what happens to a member whose join time neither
	// the ledger nor the audit log knows: UnknownRemove, UnknownKeep or
	// UnknownTrack.
	UnknownMembers string
	// ReportOnly logs and audits what would be removed, and changes
	// nothing (no removal, no ledger write, no pass deleted).
	ReportOnly bool
	// DeleteTAP deletes a Temporary Access Pass a removed user still has.
	DeleteTAP bool
}

// Policies for members whose window start is unknown.
const (
	// UnknownRemove removes them at once: the group is temporary by design.
	UnknownRemove = "remove"
	// UnknownKeep leaves them in the group and counts them in every run.
	UnknownKeep = "keep"
	// UnknownTrack starts their window when the timer first sees them
	// (recorded in the ledger), then removes them when it is over.
	UnknownTrack = "track"
)

// DefaultGroupExpirySchedule runs the timer every 15 minutes.
const DefaultGroupExpirySchedule = "0 */15 * * * *"

// ncrontabField is one field of an NCRONTAB expression: numbers, names
// (MON, JAN), ranges, steps, lists and wildcards.
var ncrontabField = regexp.MustCompile(`^[0-9A-Za-z*/,\-]+$`)

func readGroupExpiry(r *reader) GroupExpiry {
	g := GroupExpiry{
		Schedule:       readSchedule(r),
		Window:         time.Duration(r.intIn("CA_GROUP_EXPIRY_WINDOW_MINUTES", 180, 60, 1440)) * time.Minute,
		UnknownMembers: r.oneValue("CA_GROUP_EXPIRY_UNKNOWN_MEMBERS", UnknownRemove, []string{UnknownRemove, UnknownKeep, UnknownTrack}),
		ReportOnly:     r.boolean("CA_GROUP_EXPIRY_REPORT_ONLY", false),
		DeleteTAP:      r.boolean("CA_GROUP_EXPIRY_DELETE_TAP", false),
	}
	return g
}

// readSchedule requires the schedule once CA_GROUP_ID turns the feature
// on: without the app setting the host cannot resolve %...% and never runs
// the timer, which nobody would notice.
func readSchedule(r *reader) string {
	const name = "CA_GROUP_EXPIRY_SCHEDULE"
	v, ok, present := r.raw(name)
	if !present {
		if r.optional("CA_GROUP_ID", "") != "" {
			r.fail(name, "required when CA_GROUP_ID is set: function.json reads it as %%%s%% (e.g. %q, every 15 minutes)", name, DefaultGroupExpirySchedule)
		}
		return DefaultGroupExpirySchedule
	}
	if !ok {
		return DefaultGroupExpirySchedule // an unresolved Key Vault reference, already reported
	}
	if problem := scheduleProblem(v); problem != "" {
		r.fail(name, "%s, got %q", problem, v)
	}
	return v
}

// scheduleProblem checks the shape, not the meaning, of an NCRONTAB
// expression: the host parses it. It catches the usual mistakes: a
// 5-field Unix cron, and a seconds wildcard that fires every second.
func scheduleProblem(v string) string {
	fields := strings.Fields(v)
	if len(fields) != 6 {
		return "must be a 6-field NCRONTAB expression {second} {minute} {hour} {day} {month} {day-of-week}, such as " + DefaultGroupExpirySchedule
	}
	for _, f := range fields {
		if !ncrontabField.MatchString(f) {
			return "NCRONTAB field " + f + " has characters other than digits, names, * / , -"
		}
	}
	if strings.ContainsAny(fields[0], "*/") {
		return "the seconds field must name fixed seconds (such as 0); a wildcard runs the timer many times a minute"
	}
	return ""
}

// oneValue reads a setting that must be one of allowed (compared
// case-insensitively, returned in allowed's spelling).
func (r *reader) oneValue(name, def string, allowed []string) string {
	v := r.optional(name, def)
	for _, a := range allowed {
		if strings.EqualFold(a, v) {
			return a
		}
	}
	r.fail(name, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	return def
}
