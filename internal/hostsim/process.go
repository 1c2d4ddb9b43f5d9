package hostsim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim/childproc"
)

// Process is a handler binary started as the host starts it.
type Process struct {
	URL  string // http://127.0.0.1:PORT
	Port int
	// Ready is the time from spawn to the first answer to GET /, the
	// figure that must stay well under the host's 30 s.
	Ready          time.Duration
	proc           *childproc.Process
	stdout, stderr *childproc.TailBuffer
}

// outputLimit bounds the captured output per stream.
const outputLimit = 4 << 20

// startAttempts bounds retries when another process takes the port.
const startAttempts = 3

// StartHandler spawns the handler binary as the host does: working
// directory = the binary's folder (the app root), FUNCTIONS_CUSTOMHANDLER_PORT
// and the other worker variables set, and waits (up to 30 s) until it
// answers GET /. The environment is only PATH, HOME and TMPDIR from this
// process plus env, so a developer's own Azure variables cannot leak in.
func StartHandler(ctx context.Context, binaryPath string, env map[string]string) (*Process, error) {
	bin, err := filepath.Abs(binaryPath)
	if err != nil {
		return nil, fmt.Errorf("hostsim: %w", err)
	}
	var errs []error
	for range startAttempts {
		p, err := startOnce(ctx, bin, env)
		if err == nil {
			return p, nil
		}
		errs = append(errs, err)
		if !strings.Contains(p.Stderr()+p.Stdout(), "address already in use") {
			break
		}
	}
	return nil, errors.Join(errs...)
}

func startOnce(ctx context.Context, bin string, env map[string]string) (*Process, error) {
	ports, err := childproc.FreePorts(1)
	if err != nil {
		return &Process{}, err
	}
	p := &Process{
		Port: ports[0], URL: "http://127.0.0.1:" + strconv.Itoa(ports[0]),
		stdout: childproc.NewTailBuffer(outputLimit), stderr: childproc.NewTailBuffer(outputLimit),
	}
	cmd := exec.Command(bin)
	cmd.Dir = filepath.Dir(bin)
	cmd.Env = handlerEnv(ports[0], cmd.Dir, env)
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if p.proc, err = childproc.Start(cmd); err != nil {
		return p, fmt.Errorf("hostsim: %w", err)
	}
	// Probe every millisecond rather than the host's 25 ms, so Ready
	// measures the handler and not the polling interval.
	p.Ready, err = waitReady(ctx, http.DefaultClient, p.URL, time.Millisecond, 30*time.Second, p.proc.Exited())
	if err != nil {
		p.Stop()
		return p, fmt.Errorf("%w; stderr: %s", err, truncate([]byte(p.Stderr()), 2048))
	}
	return p, nil
}

// handlerEnv is the environment the host gives its worker (§2.1).
func handlerEnv(port int, appRoot string, extra map[string]string) []string {
	vars := map[string]string{}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			vars[k] = v
		}
	}
	for k, v := range extra {
		vars[k] = v
	}
	id := uuid.NewString()
	p := strconv.Itoa(port)
	for k, v := range map[string]string{
		"FUNCTIONS_CUSTOMHANDLER_PORT": p, "FUNCTIONS_HTTPWORKER_PORT": p,
		"FUNCTIONS_CUSTOMHANDLER_WORKER_ID": id, "FUNCTIONS_HTTPWORKER_ID": id,
		"FUNCTIONS_APP_ROOT_PATH": appRoot, "FUNCTIONS_WORKER_RUNTIME": "custom",
	} {
		vars[k] = v
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	return out
}

// Stdout is what the handler wrote to stdout (the host logs it as
// Information), up to the last 4 MiB.
func (p *Process) Stdout() string {
	if p.stdout == nil {
		return ""
	}
	return p.stdout.String()
}

// Stderr is what the handler wrote to stderr (Warning or Error in the host).
func (p *Process) Stderr() string {
	if p.stderr == nil {
		return ""
	}
	return p.stderr.String()
}

// Pid is the handler's process id (for reading its resource use).
func (p *Process) Pid() int { return p.proc.Pid() }

// Exited is closed when the handler process has exited.
func (p *Process) Exited() <-chan struct{} { return p.proc.Exited() }

// Kill ends the handler at once (SIGKILL), as an instance that dies.
func (p *Process) Kill() {
	if p.proc != nil {
		p.proc.Kill()
	}
}

// Stop sends SIGTERM (the host's shutdown), then SIGKILL after 10 s.
func (p *Process) Stop() {
	if p.proc != nil {
		p.proc.Stop(10 * time.Second)
	}
}
