//go:build linux

package azurite

import "syscall"

// setParentDeathSignal kills Azurite when the test process dies without
// calling Stop (a panic, a timeout kill, ^C), so no emulator is orphaned.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
