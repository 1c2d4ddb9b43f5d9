//go:build linux

package childproc

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStopEndsTheGroup(t *testing.T) {
	// The shell ignores SIGTERM and starts a grandchild: Stop must still
	// end both, escalating to SIGKILL for the whole group.
	out := NewTailBuffer(1024)
	cmd := exec.Command("sh", "-c", `trap "" TERM; sleep 60 & echo $!; wait`)
	cmd.Stdout = out
	p, err := Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for out.String() == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if p.State() != nil {
		t.Fatal("exited too early")
	}
	p.Stop(200 * time.Millisecond)
	p.Stop(time.Second)
	if p.State() == nil {
		t.Fatal("no exit state after Stop")
	}
	grandchild, err := strconv.Atoi(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("grandchild pid %q: %v", out.String(), err)
	}
	for time.Now().Before(deadline) && alive(grandchild) {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(grandchild) {
		t.Fatalf("grandchild %d survived Stop", grandchild)
	}
}

// alive reports whether pid runs; a zombie (killed, not yet reaped by
// init, which is slow in containers) counts as dead.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !os.IsNotExist(err)
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

func TestFreePorts(t *testing.T) {
	ports, err := FreePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	if ports[0] == ports[1] || ports[1] == ports[2] || ports[0] == ports[2] {
		t.Fatalf("repeated ports %v", ports)
	}
}

func TestTailBuffer(t *testing.T) {
	tb := NewTailBuffer(4)
	tb.Write([]byte("abc"))
	tb.Write([]byte("def"))
	if tb.String() != "cdef" {
		t.Fatalf("got %q", tb.String())
	}
}
