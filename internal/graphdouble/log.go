package graphdouble

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// LoggedRequest is one request the double received. Body is the decoded
// (gunzipped) request body; answers are not kept, so no Temporary Access
// Pass value from a POST answer lands here. Bodies stay in memory for
// assertions (a sendMail body may carry a pass the caller mailed) and the
// double prints nothing; String omits the body.
type LoggedRequest struct {
	Time     time.Time // on the double's clock (Options.Now)
	Method   string
	Path     string // decoded, e.g. /v1.0/users/a@b.example/manager
	RawQuery string
	Query    url.Values
	Body     []byte
	Gzipped  bool // the body arrived with Content-Encoding: gzip
	// Status is what the double answered, or would have answered when the
	// answer was dropped. 0 if the client went away during injected latency.
	Status int
	// Fault names the injected fault ("429", "503", "drop", "drop-before-apply",
	// "auth"), "" when none.
	Fault string
	// Dropped means the connection was closed instead of answering.
	Dropped  bool
	Duration time.Duration
}

// DecodeBody unmarshals the request body into v.
func (l LoggedRequest) DecodeBody(v any) error {
	return json.Unmarshal(l.Body, v)
}

func (l LoggedRequest) String() string {
	q := ""
	if l.RawQuery != "" {
		q = "?" + l.RawQuery
	}
	s := fmt.Sprintf("%s %s%s -> %d", l.Method, l.Path, q, l.Status)
	if l.Fault != "" {
		s += " [" + l.Fault + "]"
	}
	return s
}

type requestLog struct {
	mu      sync.Mutex
	entries []LoggedRequest
}

func (l *requestLog) add(e LoggedRequest) {
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
}

// Requests returns a copy of the request log, in the order requests finished.
func (d *Double) Requests() []LoggedRequest {
	d.log.mu.Lock()
	defer d.log.mu.Unlock()
	return append([]LoggedRequest(nil), d.log.entries...)
}

// RequestsMatching returns logged requests with the method ("" = any) and a
// path matching pattern (see MatchPath).
func (d *Double) RequestsMatching(method, pattern string) []LoggedRequest {
	var out []LoggedRequest
	for _, e := range d.Requests() {
		if (method == "" || strings.EqualFold(method, e.Method)) && MatchPath(pattern, e.Path) {
			out = append(out, e)
		}
	}
	return out
}

// CountRequests counts logged requests like RequestsMatching.
func (d *Double) CountRequests(method, pattern string) int {
	return len(d.RequestsMatching(method, pattern))
}

// ResetRequests empties the request log.
func (d *Double) ResetRequests() {
	d.log.mu.Lock()
	d.log.entries = nil
	d.log.mu.Unlock()
}

// MatchPath matches a decoded URL path against a glob: segments are
// compared with path.Match ("*" within one segment, "?", "[...]"), and a
// "**" segment matches any number of segments. "" matches everything.
// Comparison ignores case, as Graph's routing does.
// Example: "/v1.0/users/*/authentication/*Methods/*".
func MatchPath(pattern, p string) bool {
	if pattern == "" {
		return true
	}
	return matchSegs(splitPath(strings.ToLower(pattern)), splitPath(strings.ToLower(p)))
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func matchSegs(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if matchSegs(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], segs[0]); err != nil || !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// RoundTrips counts the sequential rounds in a set of logged requests: a
// request that starts before the earliest end among the current round ran
// alongside it. It is the critical path a caller waited for, in requests.
func RoundTrips(reqs []LoggedRequest) int {
	reqs = slices.Clone(reqs)
	slices.SortFunc(reqs, func(a, b LoggedRequest) int { return a.Time.Compare(b.Time) })
	rounds := 0
	var roundEnd time.Time
	for _, r := range reqs {
		end := r.Time.Add(r.Duration)
		if rounds == 0 || !r.Time.Before(roundEnd) {
			rounds++
			roundEnd = end
		} else if end.Before(roundEnd) {
			roundEnd = end
		}
	}
	return rounds
}
