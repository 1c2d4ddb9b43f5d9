package hostsim

import (
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildToy compiles testdata/toyhandler into a temp app root.
func buildToy(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "toy")
	out, err := exec.Command("go", "build", "-o", bin, "./testdata/toyhandler").CombinedOutput()
	if err != nil {
		t.Fatalf("build toy handler: %v\n%s", err, out)
	}
	return bin
}

func TestStartHandlerRealProcess(t *testing.T) {
	bin := buildToy(t)
	ctx := context.Background()
	p, err := StartHandler(ctx, bin, map[string]string{"TOY_START_DELAY": "300ms", "TOY_GREETING": "hello", "FUNCTIONS_CUSTOMHANDLER_PORT": "1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	// GET / answered before start-up work finished.
	if p.Ready > 250*time.Millisecond {
		t.Errorf("readiness took %v; the handler must listen first", p.Ready)
	}
	t.Logf("handler answered GET / after %v", p.Ready)

	sim, err := New(Config{AppRoot: writeApp(t, true, "toy", nil), HandlerURL: p.URL, FunctionKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := sim.WaitReady(ctx); err != nil || d > time.Second {
		t.Fatalf("WaitReady %v %v", d, err)
	}
	// This invocation arrives during start-up and waits for it.
	start := time.Now()
	res, err := sim.HTTP(ctx, "Echo", Request{Method: "POST", Path: "echo/7", Headers: http.Header{"X-Functions-Key": {"k"}}})
	if err != nil || res.StatusCode != 200 || !strings.Contains(string(res.Body), `"greeting":"hello"`) {
		t.Fatalf("echo: %+v %v", res, err)
	}
	t.Logf("first invocation answered after %v", time.Since(start))
	qr, err := sim.Queue(ctx, "Work", []byte(`{"jobId":"j1"}`), 1)
	if err != nil || string(qr.Outputs["results"][0]) != `{"jobId":"j1"}` {
		t.Fatalf("work: %+v %v", qr, err)
	}
	pid := p.proc.Pid()
	p.Stop()
	select {
	case <-p.Exited():
	default:
		t.Fatal("still running after Stop")
	}
	// Read the output only once the process is gone: until then the pipe
	// may still hold lines not yet copied.
	if !strings.Contains(p.Stdout(), `"msg":"handler ready"`) || !strings.Contains(p.Stderr(), "warn: toy handler") {
		t.Errorf("output not captured:\nstdout %s\nstderr %s", p.Stdout(), p.Stderr())
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Fatalf("pid %d still exists", pid)
	}
}

func TestStartHandlerThatNeverListens(t *testing.T) {
	_, err := StartHandler(context.Background(), "/bin/false", nil)
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("got %v", err)
	}
}
