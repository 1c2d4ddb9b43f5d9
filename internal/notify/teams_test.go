package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// The path and query mimic a Power Automate trigger URL; SECRET stands for
// its signature and must never surface in an error or a log line.
const hookPath = "/workflows/0f1e/triggers/manual/paths/invoke"
const hookQuery = "api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SECRET"

func sampleNotice() ChannelNotice {
	return ChannelNotice{
		RequestID:      "7c1f3a52-9d7e-4f0b-8a31-2b5d6e9f0a11",
		TargetName:     "Ada Lovelace",
		TargetID:       "0b6c1a7e-2f4d-4e8a-9c3b-5d7e8f9a0b1c",
		RequestorName:  "Charles Babbage",
		AccessPackage:  "MFA reset",
		Outcome:        "succeeded",
		MethodsRemoved: []string{"phoneAuthenticationMethod", "fido2AuthenticationMethod"},
		At:             time.Date(2026, 11, 23, 9, 30, 0, 0, time.FixedZone("CET", 3600)),
	}
}

// hook is a webhook double: it records what it was sent and answers status.
type hook struct {
	mu     sync.Mutex
	status int
	reqs   []recorded
}

type recorded struct {
	method, path, query, contentType string
	body                             []byte
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.reqs = append(h.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), b})
	status := h.status
	h.mu.Unlock()
	if status == http.StatusFound {
		http.Redirect(w, r, "/elsewhere", status)
		return
	}
	w.WriteHeader(status)
}

func (h *hook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.reqs)
}

// newTeams starts a TLS webhook double answering status.
func newTeams(t *testing.T, status int) (*Teams, *hook) {
	t.Helper()
	h := &hook{status: status}
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return &Teams{URL: fixedURL(srv.URL + hookPath + "?" + hookQuery), Client: srv.Client()}, h
}

func fixedURL(u string) URLSource {
	return func(context.Context) (string, error) { return u, nil }
}

// logBuffer is a bytes.Buffer safe for the test servers' own log lines
// (TLS handshake errors), which arrive from their goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// captureLogs routes the standard and slog loggers into a buffer for the
// test, so it can assert the URL never reaches a log.
func captureLogs(t *testing.T) *logBuffer {
	t.Helper()
	buf := &logBuffer{}
	prevSlog, prevOut := slog.Default(), log.Writer()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log.SetOutput(buf)
	t.Cleanup(func() { slog.SetDefault(prevSlog); log.SetOutput(prevOut) })
	return buf
}

func assertNoSecret(t *testing.T, err error, logs *logBuffer) {
	t.Helper()
	for _, s := range []string{"SECRET", "sig=", hookPath} {
		if err != nil && strings.Contains(err.Error(), s) {
			t.Errorf("error %q reveals %q", err, s)
		}
		if logs != nil && strings.Contains(logs.String(), s) {
			t.Errorf("logs reveal %q: %s", s, logs)
		}
	}
}

// facts returns the card's FactSet as title → value.
func facts(t *testing.T, card map[string]any) map[string]string {
	t.Helper()
	var c struct {
		Body []struct {
			Type  string `json:"type"`
			Facts []struct{ Title, Value string }
		} `json:"body"`
	}
	b, _ := json.Marshal(card)
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, el := range c.Body {
		for _, f := range el.Facts {
			out[f.Title] = f.Value
		}
	}
	return out
}

func TestNotifyPostsAdaptiveCardMessage(t *testing.T) {
	logs := captureLogs(t)
	teams, h := newTeams(t, http.StatusAccepted)
	if err := teams.Notify(context.Background(), sampleNotice()); err != nil {
		t.Fatal(err)
	}
	if h.count() != 1 {
		t.Fatalf("%d requests, want exactly one (no retries)", h.count())
	}
	r := h.reqs[0]
	if r.method != http.MethodPost || r.path != hookPath || r.query != hookQuery || !strings.HasPrefix(r.contentType, "application/json") {
		t.Errorf("request %s %s?%s (%s)", r.method, r.path, r.query, r.contentType)
	}

	var msg struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string          `json:"contentType"`
			ContentURL  json.RawMessage `json:"contentUrl"`
			Content     map[string]any  `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(r.body, &msg); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	if msg.Type != "message" || len(msg.Attachments) != 1 {
		t.Fatalf("envelope %s", r.body)
	}
	a := msg.Attachments[0]
	if a.ContentType != "application/vnd.microsoft.card.adaptive" || string(a.ContentURL) != "null" {
		t.Errorf("attachment contentType %q contentUrl %s", a.ContentType, a.ContentURL)
	}
	c := a.Content
	if c["type"] != "AdaptiveCard" || c["version"] != "1.4" || c["$schema"] != "http://adaptivecards.io/schemas/adaptive-card.json" {
		t.Errorf("card header %v %v %v", c["type"], c["version"], c["$schema"])
	}
	got := facts(t, c)
	want := map[string]string{
		"Outcome":         "succeeded",
		"User":            "Ada Lovelace (0b6c1a7e-2f4d-4e8a-9c3b-5d7e8f9a0b1c)",
		"Requested by":    "Charles Babbage",
		"Access package":  "MFA reset",
		"Request id":      "7c1f3a52-9d7e-4f0b-8a31-2b5d6e9f0a11",
		"Methods removed": "phoneAuthenticationMethod, fido2AuthenticationMethod",
		"Time":            "2026-11-23 08:30:00 UTC",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("fact %q = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["Reason"]; ok {
		t.Error("no reason given, so no Reason fact")
	}
	assertNoSecret(t, nil, logs)
}

func TestResetCardOutcomes(t *testing.T) {
	for _, tc := range []struct{ outcome, heading, color, fact string }{
		{"succeeded", "MFA reset completed", "Good", "succeeded"},
		{" Refused ", "MFA reset refused", "Warning", "refused"},
		{"failed", "MFA reset failed", "Attention", "failed"},
		{"**pwned**", "MFA reset: outcome unknown", "Attention", "unknown"},
	} {
		n := sampleNotice()
		n.Outcome, n.Reason = tc.outcome, "protected account: holds a directory role"
		card := ResetCard(n)
		head := card["body"].([]any)[0].(map[string]any)
		if head["text"] != tc.heading || head["color"] != tc.color {
			t.Errorf("%q: heading %v %v", tc.outcome, head["text"], head["color"])
		}
		f := facts(t, card)
		if f["Outcome"] != tc.fact || f["Reason"] != "protected account: holds a directory role" {
			t.Errorf("%q: facts %v", tc.outcome, f)
		}
	}
}

// The card may only use the keys ResetCard documents; none of them can
// carry a credential. ChannelNotice has no such field to begin with.
func TestResetCardUsesOnlyDocumentedKeys(t *testing.T) {
	allowed := map[string]bool{
		// envelope
		"type": true, "attachments": true, "contentType": true, "contentUrl": true, "content": true,
		// card
		"$schema": true, "version": true, "body": true, "text": true, "weight": true, "size": true,
		"color": true, "wrap": true, "isSubtle": true, "spacing": true, "facts": true, "title": true, "value": true,
	}
	n := sampleNotice()
	n.Reason = "because"
	b, err := json.Marshal(message(ResetCard(n)))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				lk := strings.ToLower(k)
				for _, bad := range []string{"pass", "tap", "pin", "token", "secret", "phone", "code", "url"} {
					if strings.Contains(lk, bad) && k != "contentUrl" {
						t.Errorf("key %q looks like it could carry a secret", k)
					}
				}
				if !allowed[k] {
					t.Errorf("undocumented key %q", k)
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
}

func TestResetCardNeutralisesUntrustedText(t *testing.T) {
	long := strings.Repeat("A", 1000)
	n := ChannelNotice{
		RequestID:      "id\n[x](https://evil)",
		TargetName:     "[click](https://evil) <at>x</at>\nSecond line\r\n\t**bold** _it_ `code` # h \u202Eevil\u200B &lt;at&gt; {{DATE(2017-02-14T06:08:00Z)}}",
		TargetID:       "<at>admin</at>",
		RequestorName:  long,
		AccessPackage:  "pkg\x00\x1b[31m",
		Outcome:        "failed",
		Reason:         "see www.evil.example or http://evil.example/\u2028now",
		MethodsRemoved: []string{"[a](b)", "", "\n"},
		At:             time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	f := facts(t, ResetCard(n))
	markup := []string{"[", "]", "(https", "](", "<", ">", "*", "_", "`", "#", "&", "{", "}", "\\", "://", "\n", "\r", "\t", "\u202E", "\u200B", "\u2028", "\x00", "\x1b"}
	for title, v := range f {
		if title == "User" {
			v = strings.Replace(v, " (", " ", 1) // our own "(id)" wrapper
			v = strings.TrimSuffix(v, ")")
		}
		for _, m := range markup {
			if strings.Contains(v, m) {
				t.Errorf("fact %q = %q still contains %q", title, v, m)
			}
		}
		if !utf8.ValidString(v) {
			t.Errorf("fact %q is not valid UTF-8", title)
		}
	}
	// Still readable: the look-alikes stand where the markup was.
	if !strings.HasPrefix(f["User"], "［click］（https：//evil） ＜at＞x＜/at＞ Second line ＊＊bold＊＊ ＿it＿ ｀code｀ ＃ h evil ＆lt;at＆gt;") {
		t.Errorf("User = %q", f["User"])
	}
	if got := f["Requested by"]; utf8.RuneCountInString(got) != maxName || !strings.HasSuffix(got, "…") {
		t.Errorf("long name not capped: %d runes", utf8.RuneCountInString(got))
	}
	if f["Methods removed"] != "［a］（b）" {
		t.Errorf("Methods removed = %q", f["Methods removed"])
	}
	if f["Reason"] != "see www.evil.example or http：//evil.example/ now" {
		t.Errorf("Reason = %q", f["Reason"])
	}
}

func TestResetCardEmptyFields(t *testing.T) {
	f := facts(t, ResetCard(ChannelNotice{Outcome: "failed"}))
	if f["User"] != "-" || f["Request id"] != "-" || f["Methods removed"] != "none" || f["Time"] != "(not recorded)" {
		t.Errorf("facts %v", f)
	}
	many := make([]string, 25)
	for i := range many {
		many[i] = "m"
	}
	f = facts(t, ResetCard(ChannelNotice{MethodsRemoved: many}))
	if !strings.HasSuffix(f["Methods removed"], "m, and 5 more") {
		t.Errorf("Methods removed = %q", f["Methods removed"])
	}
}

func TestNotifyNon2xxReportsStatusOnly(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusFound} {
		logs := captureLogs(t)
		teams, h := newTeams(t, status)
		err := teams.Notify(context.Background(), sampleNotice())
		var se *StatusError
		if !errors.As(err, &se) || se.Code != status {
			t.Fatalf("status %d: err %v", status, err)
		}
		if err.Error() != "teams webhook: status "+strconv.Itoa(status) {
			t.Errorf("err %q", err)
		}
		if h.count() != 1 { // no retry; for 302, the redirect is not followed
			t.Errorf("status %d: %d requests", status, h.count())
		}
		assertNoSecret(t, err, logs)
	}
}

func TestNotifyTransportErrorsHideURL(t *testing.T) {
	logs := captureLogs(t)

	// Nobody listening.
	teams, _ := newTeams(t, http.StatusAccepted)
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	teams.URL, teams.Client = fixedURL(srv.URL+hookPath+"?"+hookQuery), srv.Client()
	srv.Close()
	err := teams.Notify(context.Background(), sampleNotice())
	if err == nil {
		t.Fatal("closed server: no error")
	}
	assertNoSecret(t, err, logs)

	// Too slow: the timeout applies and the deadline stays detectable.
	slow := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // so the server notices the client hanging up
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	teams = &Teams{URL: fixedURL(slow.URL + hookPath + "?" + hookQuery), Client: slow.Client(), Timeout: 50 * time.Millisecond}
	err = teams.Notify(context.Background(), sampleNotice())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow server: err %v, want a deadline", err)
	}
	assertNoSecret(t, err, logs)

	// A TLS failure (the default client does not trust the test CA).
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	teams = &Teams{URL: fixedURL(tlsSrv.URL + hookPath + "?" + hookQuery)}
	err = teams.Notify(context.Background(), sampleNotice())
	if err == nil {
		t.Fatal("untrusted certificate: no error")
	}
	assertNoSecret(t, err, logs)
}

func TestNotifyURLSourceFailurePropagates(t *testing.T) {
	teams, h := newTeams(t, http.StatusAccepted)
	boom := errors.New("keyvault: secret teams-webhook-url: status 403")
	teams.URL = func(context.Context) (string, error) { return "", boom }
	err := teams.Notify(context.Background(), sampleNotice())
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "teams webhook: ") {
		t.Errorf("err %v", err)
	}
	if h.count() != 0 {
		t.Error("posted without a URL")
	}
	if err := (&Teams{}).Notify(context.Background(), sampleNotice()); err == nil {
		t.Error("no URL source: no error")
	}
}

// refuseTransport fails the test if a request is attempted at all.
type refuseTransport struct{ t *testing.T }

func (r refuseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.t.Error("a request was sent")
	return nil, errors.New("refused")
}

func TestNotifyRefusesUnsafeURLs(t *testing.T) {
	logs := captureLogs(t)
	client := &http.Client{Transport: refuseTransport{t}}
	for _, raw := range []string{
		"http://prod-00.westeurope.logic.azure.com" + hookPath + "?" + hookQuery,
		"http://localhost:8080" + hookPath + "?" + hookQuery, // a name can resolve anywhere
		"ftp://example.com" + hookPath + "?" + hookQuery,
		"https://" + hookPath + "?" + hookQuery, // no host
		hookPath + "?" + hookQuery,              // relative
		"https://bad host" + hookPath + "?" + hookQuery,
		"::" + hookPath + "?" + hookQuery,
		"",
	} {
		err := (&Teams{URL: fixedURL(raw), Client: client}).Notify(context.Background(), sampleNotice())
		if err == nil {
			t.Errorf("%q accepted", raw)
			continue
		}
		assertNoSecret(t, err, logs)
	}
}

func TestNotifyAllowsPlainHTTPOnLoopbackIP(t *testing.T) {
	h := &hook{status: http.StatusOK} // a flow with its own Response action may say 200
	srv := httptest.NewServer(h)      // http://127.0.0.1:port
	t.Cleanup(srv.Close)
	teams := &Teams{URL: fixedURL(srv.URL + hookPath + "?" + hookQuery), Client: srv.Client()}
	if err := teams.Notify(context.Background(), sampleNotice()); err != nil || h.count() != 1 {
		t.Errorf("err %v, %d requests", err, h.count())
	}
}
