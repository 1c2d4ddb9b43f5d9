package notify

// A Teams "Workflows" webhook notifier: after an approved MFA reset finishes,
// a channel learns who, which request, when and the outcome. Never a pass,
// a phone number or a token: ChannelNotice has no field that could hold one.
//
// Wire format (verified against public sources, not against a tenant):
//   - Body: {"type":"message","attachments":[{"contentType":
//     "application/vnd.microsoft.card.adaptive","contentUrl":null,"content":<card>}]}.
//     Same envelope as Microsoft's "Send Adaptive Cards using an Incoming
//     Webhook" (learn.microsoft.com/microsoftteams/platform/webhooks-and-
//     connectors/how-to/connectors-using). The "When a Teams webhook request
//     is received" flow iterates
//     body.attachments; a bare card or the old {"text":…} connector body fails
//     the run ("'foreach' expression … is of type 'Null'"):
//     https://github.com/MicrosoftDocs/msteams-docs/issues/11302,
//     https://github.com/louislam/uptime-kuma/issues/4934,
//     https://github.com/prometheus/alertmanager/issues/3920 (Nov 2025).
//   - Card version 1.4: the Workflows "post card" step shows 1.5 cards as
//     "this card couldn't be displayed":
//     https://github.com/microsoft/AdaptiveCards/issues/8965.
//   - Success is 202 Accepted (the flow runs afterwards, so a card that fails
//     to render is NOT reported to us): https://github.com/nicholas-fedor/shoutrrr/pull/900,
//     https://github.com/robusta-dev/robusta/pull/2113,
//     https://github.com/jenkinsci/office-365-connector-plugin/issues/356.
//     A flow with its own Response action may answer 200, so any 2xx is success.
//
// The webhook URL carries its own signature (…&sig=…), so it is a secret:
// it comes from a URLSource (Key Vault), and no error or log line contains it.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// DefaultTeamsTimeout bounds one webhook POST when Teams.Timeout is zero.
const DefaultTeamsTimeout = 10 * time.Second

// ChannelNotice is what a channel may learn about a reset.
type ChannelNotice struct {
	RequestID      string // access package assignment request id
	TargetName     string // display name of the affected user
	TargetID       string // object id
	RequestorName  string
	AccessPackage  string
	Outcome        string   // "succeeded" | "refused" | "failed"
	Reason         string   // for refusals and failures
	MethodsRemoved []string // method types, never values
	At             time.Time
}

// URLSource returns the current webhook URL (e.g. internal/secrets.Store.Get
// with a fixed name). It is called on every Notify so a rotated URL is used.
type URLSource func(ctx context.Context) (string, error)

// Teams posts reset notices to a Teams channel through a Workflows webhook.
type Teams struct {
	URL     URLSource
	Client  *http.Client  // nil: a plain client
	Timeout time.Duration // zero: DefaultTeamsTimeout
}

// StatusError is a non-2xx answer. It carries the status only: the body of
// a Power Automate error is of no use to the caller and the URL is secret.
type StatusError struct{ Code int }

func (e *StatusError) Error() string { return "teams webhook: status " + strconv.Itoa(e.Code) }

// Notify posts one metadata-only card. It does not retry: a duplicated card
// in a channel is noise, so the caller decides (StatusError tells it why).
func (t *Teams) Notify(ctx context.Context, n ChannelNotice) error {
	if t.URL == nil {
		return errors.New("teams webhook: no URL source configured")
	}
	raw, err := t.URL(ctx)
	if err != nil {
		return fmt.Errorf("teams webhook: reading URL: %w", err)
	}
	u, err := webhookURL(raw)
	if err != nil {
		return err
	}
	body, err := json.Marshal(message(ResetCard(n)))
	if err != nil {
		return fmt.Errorf("teams webhook: encoding card: %w", err)
	}

	timeout := t.Timeout
	if timeout <= 0 {
		timeout = DefaultTeamsTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return errors.New("teams webhook: building request") // err may quote the URL
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")

	resp, err := t.client().Do(req)
	if err != nil {
		return transportError(err, u)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &StatusError{Code: resp.StatusCode}
	}
	return nil
}

// client copies the configured client and refuses redirects: a redirect
// would carry the card to a host nobody configured, and is never expected
// from a webhook. The 3xx then surfaces as a StatusError.
func (t *Teams) client() *http.Client {
	c := &http.Client{}
	if t.Client != nil {
		*c = *t.Client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// webhookURL accepts https, and plain http only to a loopback IP (tests and
// the local sandbox). Errors never quote the URL or url.Parse's message,
// which would.
func webhookURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return nil, errors.New("teams webhook: URL is not a valid absolute URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopbackIP(u.Hostname()):
	default:
		return nil, errors.New("teams webhook: URL must be https")
	}
	return u, nil
}

func isLoopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// transportError drops the *url.Error layer, whose text is "Post \"<URL>\": …",
// and keeps the cause (dial, TLS, deadline) for errors.Is. As a last guard,
// a cause that still quotes the path or query is replaced outright.
func transportError(err error, u *url.URL) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	if (u.RawQuery != "" && strings.Contains(msg, u.RawQuery)) || (len(u.Path) > 1 && strings.Contains(msg, u.Path)) {
		return errors.New("teams webhook: request failed")
	}
	return fmt.Errorf("teams webhook: %w", err)
}

// message wraps a card in the envelope the Workflows trigger iterates over.
func message(card map[string]any) map[string]any {
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content":     card,
		}},
	}
}

// Length caps, in runes. Entra display names may be 256 long; a channel
// card needs far less, and caps keep the card well under Teams' ~28 KB.
const (
	maxName    = 128
	maxID      = 64
	maxReason  = 400
	maxMethod  = 64
	maxMethods = 20
)

// outcomes maps the known outcomes to a heading and an Adaptive Card colour.
var outcomes = map[string]struct{ heading, color string }{
	"succeeded": {"MFA reset completed", "Good"},
	"refused":   {"MFA reset refused", "Warning"},
	"failed":    {"MFA reset failed", "Attention"},
}

// ResetCard renders the Adaptive Card for n. Headings, labels and the layout
// are ours; every string from the notice is passed through plain first.
// Only these keys occur: $schema type version body text weight size color
// wrap isSubtle spacing facts title value.
func ResetCard(n ChannelNotice) map[string]any {
	outcome := strings.ToLower(strings.TrimSpace(n.Outcome))
	look, ok := outcomes[outcome]
	if !ok {
		outcome = "unknown"
		look.heading, look.color = "MFA reset: outcome unknown", "Attention"
	}

	target := orDash(plain(n.TargetName, maxName))
	if id := plain(n.TargetID, maxID); id != "" {
		target += " (" + id + ")" // our own parentheses, after plain()
	}
	at := "(not recorded)"
	if !n.At.IsZero() {
		at = n.At.UTC().Format("2006-01-02 15:04:05") + " UTC"
	}

	facts := []any{
		fact("Outcome", outcome),
		fact("User", target),
		fact("Requested by", orDash(plain(n.RequestorName, maxName))),
		fact("Access package", orDash(plain(n.AccessPackage, maxName))),
		fact("Request id", orDash(plain(n.RequestID, maxID))),
		fact("Methods removed", methods(n.MethodsRemoved)),
	}
	if r := plain(n.Reason, maxReason); r != "" {
		facts = append(facts, fact("Reason", r))
	}
	facts = append(facts, fact("Time", at))

	return map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4", // Workflows' card step does not render 1.5
		"body": []any{
			map[string]any{"type": "TextBlock", "text": look.heading, "weight": "Bolder", "size": "Medium", "color": look.color, "wrap": true},
			map[string]any{"type": "FactSet", "facts": facts},
			map[string]any{"type": "TextBlock", "text": "Metadata only. No credentials are posted to channels.", "isSubtle": true, "size": "Small", "wrap": true, "spacing": "Medium"},
		},
	}
}

func fact(title, value string) map[string]any {
	return map[string]any{"title": title, "value": value}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func methods(ms []string) string {
	var out []string
	for _, m := range ms {
		if len(out) == maxMethods {
			out = append(out, fmt.Sprintf("and %d more", len(ms)-maxMethods))
			break
		}
		if m = plain(m, maxMethod); m != "" {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// inert swaps every character that Teams' card markdown (TextBlock and
// Fact.title/value: "**b**", "_i_", "[t](url)", lists, "&lt;" entities) or a
// mention ("<at>…</at>") or a date function ("{{DATE(…)}}") would act on for
// its full-width look-alike, and breaks "://" so no scheme survives for an
// autolinker. Why substitute instead of escaping: Markdown backslash escapes
// render differently per Teams client (microsoft/AdaptiveCards#4677, #5590,
// MicrosoftDocs/msteams-docs#5793). RichTextBlock/TextRun would be literal by
// schema ("Markdown is not supported", learn.microsoft.com/adaptive-cards/
// schema-explorer/text-run), but a Teams webhook was reported to reject
// TextRun (microsoft/AdaptiveCards#8804), and a rejected card fails silently
// after the 202. With no markup character left, any renderer shows it as is.
var inert = strings.NewReplacer(
	"://", "\uFF1A//",
	"[", "\uFF3B", "]", "\uFF3D", "(", "\uFF08", ")", "\uFF09",
	"<", "\uFF1C", ">", "\uFF1E", "*", "\uFF0A", "_", "\uFF3F",
	"`", "\uFF40", "#", "\uFF03", "~", "\uFF5E", "\\", "\uFF3C",
	"{", "\uFF5B", "}", "\uFF5D", "&", "\uFF06", "|", "\uFF5C",
)

// plain turns an untrusted string into one line of inert text of at most
// max runes: invalid UTF-8 replaced, control characters and line breaks made
// spaces, invisible format characters (bidi overrides, zero-width spaces)
// dropped, runs of spaces collapsed, markup characters neutralised.
func plain(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || unicode.IsSpace(r) || unicode.In(r, unicode.Zl, unicode.Zp):
			space = b.Len() > 0
			continue
		case unicode.Is(unicode.Cf, r) && r != '\u200C' && r != '\u200D':
			continue // keep ZWNJ/ZWJ: they shape names in several scripts
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := []rune(inert.Replace(b.String()))
	if len(out) > max {
		return string(out[:max-1]) + "…"
	}
	return string(out)
}
