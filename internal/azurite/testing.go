package azurite

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
)

// ForTest starts an Azurite for one test and stops it at cleanup. A missing
// Azurite fails the test: it is a broken setup, not an optional feature.
func ForTest(t testing.TB) *Instance {
	t.Helper()
	inst, err := Start(context.Background())
	if err != nil {
		t.Fatalf("azurite: %v\n%s", err, InstallHint)
	}
	t.Cleanup(inst.Stop)
	return inst
}

// shared is one instance per test binary, started on first use.
var shared struct {
	once sync.Once
	inst *Instance
	err  error
}

// Shared returns the test binary's shared instance, starting it on first
// use, so a package pays Azurite's start once. Give each test its own queue
// names (Instance.NewName). Stop it with RunTests in TestMain; without that,
// the parent-death signal ends it when the test binary exits (Linux).
func Shared(t testing.TB) *Instance {
	t.Helper()
	shared.once.Do(func() { shared.inst, shared.err = Start(context.Background()) })
	if shared.err != nil {
		t.Fatalf("azurite: %v\n%s", shared.err, InstallHint)
	}
	return shared.inst
}

// StopShared stops the shared instance if one was started.
func StopShared() {
	if shared.inst != nil {
		shared.inst.Stop()
	}
}

// RunTests runs m and then stops the shared instance:
//
//	func TestMain(m *testing.M) { os.Exit(azurite.RunTests(m)) }
func RunTests(m *testing.M) int {
	code := m.Run()
	StopShared()
	if shared.err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "azurite:", shared.err)
		code = 1
	}
	return code
}
