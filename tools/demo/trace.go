package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/redact"
)

// trace drives the scenarios and prints each one.
type trace struct {
	e        *env
	failures int
}

func heading(s string) { fmt.Printf("\n== %s\n", s) }

func step(what, detail string) { fmt.Printf("   %-44s %s\n", what, detail) }

// scenario is one call of NewHireTap and what we expect of it.
type scenario struct {
	title  string
	user   string
	token  string
	key    string
	status int
	before func(g *graphdouble.Double)
}

func (t *trace) scenarios(ctx context.Context) error {
	sb := t.e.sandbox
	good := sb.CallerToken()
	list := []scenario{
		{title: "HR asks for the new hire Nora's first pass", user: "nora.new@contoso.example", token: good, key: functionKey, status: 201},
		{title: "The same call without the function key", user: "nora.new@contoso.example", token: good, status: 401},
		{title: "A token signed by someone else's key", user: "nora.new@contoso.example", token: sb.Forged(oidc.ForgeOtherKey), key: functionKey, status: 401},
		{title: "A genuine token from an app not on the allow-list", user: "nora.new@contoso.example", token: sb.Forged(oidc.ForgeDisallowedApp), key: functionKey, status: 403},
		{title: "A pass for the break-glass account", user: "bree.breakglass@contoso.onmicrosoft.com", token: good, key: functionKey, status: 403},
		{title: "A pass for a Global Administrator", user: "gina.admin@contoso.example", token: good, key: functionKey, status: 403},
		{title: "A pass for a user without a manager", user: "una.nomanager@contoso.example", token: good, key: functionKey, status: 422},
		{title: "Graph throttles the next three calls (429, Retry-After: 1)", user: "nora.new@contoso.example", token: good, key: functionKey, status: 201,
			before: func(g *graphdouble.Double) { g.AddFault(graphdouble.Throttle("", "/v1.0/**", 3, "1")) }},
	}
	for i, sc := range list {
		if err := t.run(ctx, i+1, sc); err != nil {
			return err
		}
	}
	if err := t.resets(ctx, len(list)+1); err != nil {
		return err
	}
	if err := t.phoneSync(ctx, len(list)+3); err != nil {
		return err
	}
	if err := t.expiry(ctx, len(list)+4); err != nil {
		return err
	}
	return t.summary()
}

func (t *trace) run(ctx context.Context, n int, sc scenario) error {
	g := t.e.sandbox.Graph
	heading(fmt.Sprintf("%d. %s", n, sc.title))
	if sc.before != nil {
		sc.before(g)
	}
	g.ResetRequests()
	mails := len(g.Outbox())
	req := hostsim.Request{Method: "POST", Headers: http.Header{"Content-Type": {"application/json"}},
		Body: []byte(`{"user":"` + sc.user + `"}`)}
	if sc.token != "" {
		req.Headers.Set("Authorization", "Bearer "+sc.token)
	}
	if sc.key != "" {
		req.Headers.Set("x-functions-key", sc.key)
	}
	resp, err := t.e.sim.HTTP(ctx, "NewHireTap", req)
	if err != nil {
		return err
	}
	step("POST /api/new-hire/tap", fmt.Sprintf(`{"user":"%s"}`, sc.user))
	t.graphCalls(mails)
	if !resp.HandlerCalled {
		step("  the host answered by itself", "the handler never saw the request")
	}
	mark := "ok"
	if resp.StatusCode != sc.status {
		mark = fmt.Sprintf("UNEXPECTED (want %d)", sc.status)
		t.failures++
	}
	step(fmt.Sprintf("answer %d (%s)", resp.StatusCode, mark), compact(resp.Body))
	return nil
}

// graphCalls prints what the handler asked of Graph since the last reset
// of the request log, and the mails it sent.
func (t *trace) graphCalls(mailsBefore int) {
	g := t.e.sandbox.Graph
	for _, r := range g.Requests() {
		step("  Graph "+r.Method+" "+shortPath(r.Path), fmt.Sprint(r.Status, faultNote(r)))
	}
	for _, m := range g.Outbox()[mailsBefore:] {
		note := "no pass in it"
		if masked := maskedPass(m.Body); masked != "none" {
			note = "the pass is in the body; masked here: " + masked
		}
		step("  mail from "+m.From, "to "+m.To[0].Address+": "+m.Subject+" ("+note+")")
	}
}

func (t *trace) summary() error {
	heading("What the handler logged (audit events; no pass, no token)")
	// Stop first so every line the handler wrote has been read.
	t.e.handler.Stop()
	out := t.e.handler.Stdout() + t.e.handler.Stderr()
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"msg":"audit"`) {
			var ev struct{ Audit map[string]any }
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Audit["action"] != nil {
				a := func(k string) string {
					if v, ok := ev.Audit[k]; ok {
						return fmt.Sprint(v)
					}
					return ""
				}
				step(a("action")+" "+a("outcome"), strings.TrimSpace(a("target_id")+" "+a("reason")))
			}
		}
	}
	heading("Checks")
	g := t.e.sandbox.Graph
	leaked := false
	for _, u := range g.Snapshot().Users {
		for _, tap := range u.IssuedTAPs {
			leaked = leaked || strings.Contains(out, tap.Value)
		}
	}
	step("passes minted / mails sent", fmt.Sprintf("%d / %d", countTAPs(g), len(g.Outbox())))
	step("a pass in the handler's output", fmt.Sprint(leaked))
	if leaked || t.failures > 0 {
		return fmt.Errorf("%d unexpected answers, pass leaked: %v", t.failures, leaked)
	}
	fmt.Println("\nAll scenarios behaved as expected.")
	return nil
}

func countTAPs(g *graphdouble.Double) int {
	n := 0
	for _, u := range g.Snapshot().Users {
		n += len(u.IssuedTAPs)
	}
	return n
}

func shortPath(p string) string { return strings.TrimPrefix(p, "/v1.0") }

func faultNote(r graphdouble.LoggedRequest) string {
	if r.Fault != "" {
		return " (injected " + r.Fault + ")"
	}
	return ""
}

// maskedPass finds the pass line of a mail and masks it.
func maskedPass(body string) string {
	for _, line := range strings.Split(body, "\n") {
		if _, pass, ok := strings.Cut(line, "Temporary Access Pass: "); ok {
			return redact.MaskTail(strings.TrimSpace(pass), 0)
		}
	}
	return "none"
}

func compact(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
