//go:build unix && !linux

package azurite

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
