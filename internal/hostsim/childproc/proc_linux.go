//go:build linux

package childproc

import "syscall"

// setParentDeathSignal kills the child when the parent dies without calling
// Stop (a panic, a test timeout, ^C), so nothing is orphaned. Linux ties it
// to the starting thread, which Go keeps unless a goroutine exits locked.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
