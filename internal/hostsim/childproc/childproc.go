// Package childproc runs helper processes for tests and the demo (Azurite,
// the handler binary) so that none outlives its parent: each gets its own
// process group, which Stop ends, and on Linux dies with the parent.
package childproc

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"
)

// Process is a started child process.
type Process struct {
	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	stopOnce sync.Once
}

// Start starts cmd in its own process group and reaps it in the background.
func Start(cmd *exec.Cmd) (*Process, error) {
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	p := &Process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Exited is closed once the process has exited and its output is copied.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Pid is the process id (and process group id).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// State describes how the process ended; nil while it runs.
func (p *Process) State() *os.ProcessState {
	select {
	case <-p.exited:
		return p.cmd.ProcessState
	default:
		return nil
	}
}

// Kill ends the process group at once (SIGKILL), as a crashed instance:
// no graceful shutdown, nothing flushed.
func (p *Process) Kill() {
	p.stopOnce.Do(func() {
		kill(p.cmd)
		<-p.exited
	})
}

// Stop sends SIGTERM to the process group, waits up to grace, then sends
// SIGKILL, and returns once the process is reaped. Safe to call twice.
func (p *Process) Stop(grace time.Duration) {
	p.stopOnce.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		terminate(p.cmd)
		select {
		case <-p.exited:
		case <-time.After(grace):
			kill(p.cmd)
			<-p.exited
		}
	})
}
