package main

// End-to-end: the real handler binary, started as the Functions host starts
// it, driven by the host simulator from our own function.json files.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble/queryrec"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/sandbox"
)

const testFunctionKey = "test-function-key"

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// handlerBinary builds the handler once per test run.
func handlerBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "handler-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "handler")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return binary
}

type e2e struct {
	sb   *sandbox.Sandbox
	proc *hostsim.Process
	sim  *hostsim.Sim
	az   *azurite.Instance
}

func startE2E(t *testing.T, env func(map[string]string)) *e2e {
	t.Helper()
	sb, err := sandbox.Start(graphtest.SeedPath(), graphdouble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	queryrec.Watch(t, sb.Graph)
	az := azurite.ForTest(t)
	vars := sb.HandlerEnv(az.ConnectionString())
	if env != nil {
		env(vars)
	}
	ctx := context.Background()
	proc, err := hostsim.StartHandler(ctx, handlerBinary(t), vars)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proc.Stop)
	sim, err := hostsim.New(hostsim.Config{AppRoot: "..", HandlerURL: proc.URL, FunctionKey: testFunctionKey, StorageConn: az.ConnectionString()})
	if err != nil {
		t.Fatal(err)
	}
	return &e2e{sb: sb, proc: proc, sim: sim, az: az}
}

func (e *e2e) newHire(t *testing.T, key, token, body string) *hostsim.Response {
	t.Helper()
	return e.call(t, "NewHireTap", key, token, body)
}

func (e *e2e) call(t *testing.T, function, key, token, body string) *hostsim.Response {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	if key != "" {
		h.Set("x-functions-key", key)
	}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.sim.HTTP(context.Background(), function, hostsim.Request{Method: "POST", Headers: h, Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestE2ENewHireTapThroughTheHost(t *testing.T) {
	e := startE2E(t, nil)
	token := e.sb.CallerToken()
	resp := e.newHire(t, testFunctionKey, token, `{"user":"nora.new@contoso.example"}`)
	if resp.StatusCode != 201 || !resp.HandlerCalled || !resp.Forwarded {
		t.Fatalf("got %d (called %v, forwarded %v): %s", resp.StatusCode, resp.HandlerCalled, resp.Forwarded, resp.Body)
	}
	if ct := resp.Headers.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q", ct)
	}
	if got := e.newHire(t, "", token, `{"user":"nora.new@contoso.example"}`); got.StatusCode != 401 || got.HandlerCalled {
		t.Errorf("without the function key: %d, handler called %v", got.StatusCode, got.HandlerCalled)
	}
	if got := e.newHire(t, testFunctionKey, token, `{"user":`); got.StatusCode != 400 {
		t.Errorf("malformed body: %d %s", got.StatusCode, got.Body)
	}
	issued := e.sb.Graph.IssuedTAPs(graphtest.Nora)
	if len(issued) != 1 || len(e.sb.Graph.Outbox()) != 1 {
		t.Fatalf("%d passes, %d mails", len(issued), len(e.sb.Graph.Outbox()))
	}
	e.proc.Stop() // drain its output before reading it
	logs := e.proc.Stdout() + e.proc.Stderr()
	if !strings.Contains(logs, `"msg":"audit"`) {
		t.Errorf("no audit events in the handler's output:\n%s", logs)
	}
	for _, secret := range []string{issued[0].Value, token, strings.Split(token, ".")[2], testFunctionKey} {
		if strings.Contains(logs, secret) {
			t.Fatal("a pass, token or key reached the handler's output")
		}
	}
}

// A configuration error keeps the handler answering: readiness at once,
// and every invocation names every bad setting.
func TestE2ESettingsErrorsAreReportedNotHidden(t *testing.T) {
	e := startE2E(t, func(env map[string]string) {
		delete(env, "TENANT_ID")
		env["MAIL_SENDER"] = "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/sender/)"
		env["NEW_HIRE_TAP_LIFETIME_MINUTES"] = "5"
	})
	resp := e.newHire(t, testFunctionKey, e.sb.CallerToken(), `{"user":"nora.new@contoso.example"}`)
	if resp.StatusCode != 503 {
		t.Fatalf("got %d: %s", resp.StatusCode, resp.Body)
	}
	for _, want := range []string{"TENANT_ID", "MAIL_SENDER: unresolved Key Vault reference", "NEW_HIRE_TAP_LIFETIME_MINUTES"} {
		if !strings.Contains(string(resp.Body), want) {
			t.Errorf("answer does not name %q: %s", want, resp.Body)
		}
	}
	if len(e.sb.Graph.Requests()) != 0 {
		t.Error("a misconfigured handler called Graph")
	}
}

// The route table and functions/*/function.json must agree: names,
// triggers, routes, methods and binding names.
func TestRouteTableMatchesFunctionJSON(t *testing.T) {
	sim, err := hostsim.New(hostsim.Config{AppRoot: "..", HandlerURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	table := (&app{}).functions()
	if err := sim.CheckTable(table); err != nil {
		t.Fatal(err)
	}
	var folders, names []string
	for _, fn := range sim.Functions() {
		folders = append(folders, fn.Name)
	}
	for _, fn := range table {
		names = append(names, fn.Name)
	}
	sort.Strings(folders)
	sort.Strings(names)
	if !slices.Equal(folders, names) {
		t.Errorf("function folders %v, route table %v", folders, names)
	}
}

// BenchmarkStartToReady measures exec of the real binary to its first
// answer on GET / (the host polls every 25 ms and gives up after 30 s).
func BenchmarkStartToReady(b *testing.B) {
	bin := handlerBinary(b)
	sb, err := sandbox.Start(graphtest.SeedPath(), graphdouble.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	env := sb.HandlerEnv(azurite.Shared(b).ConnectionString())
	var ready []time.Duration
	b.ResetTimer()
	for b.Loop() {
		p, err := hostsim.StartHandler(context.Background(), bin, env)
		if err != nil {
			b.Fatal(err)
		}
		ready = append(ready, p.Ready)
		b.StopTimer()
		p.Stop()
		b.StartTimer()
	}
	slices.Sort(ready)
	b.ReportMetric(float64(ready[len(ready)/2].Microseconds())/1000, "ms-to-ready(median)")
}
