package azurite

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim/childproc"
)

func TestMain(m *testing.M) { os.Exit(RunTests(m)) }

func TestQueueAndTableServices(t *testing.T) {
	inst := Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn := inst.ConnectionString()
	for _, want := range []string{"QueueEndpoint=" + inst.QueueEndpoint(), "TableEndpoint=" + inst.TableEndpoint(), "AccountName=devstoreaccount1"} {
		if !strings.Contains(conn, want) {
			t.Fatalf("connection string lacks %q", want)
		}
	}
	qs, err := azqueue.NewServiceClientFromConnectionString(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	name := inst.NewName("q")
	if _, err := qs.CreateQueue(ctx, name, nil); err != nil {
		t.Fatalf("create queue %s: %v", name, err)
	}
	q := qs.NewQueueClient(name)
	if _, err := q.EnqueueMessage(ctx, "aGVsbG8=", nil); err != nil {
		t.Fatal(err)
	}
	res, err := q.DequeueMessage(ctx, nil)
	if err != nil || len(res.Messages) != 1 || *res.Messages[0].MessageText != "aGVsbG8=" {
		t.Fatalf("dequeue: %v %+v", err, res)
	}
	ts, err := aztables.NewServiceClientFromConnectionString(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.CreateTable(ctx, inst.NewName("t"), nil); err != nil {
		t.Fatalf("create table: %v", err)
	}
}

func TestStopEndsTheProcess(t *testing.T) {
	inst := ForTest(t)
	pid := inst.proc.Pid()
	inst.Stop()
	inst.Stop() // idempotent
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("azurite pid %d still exists: %v", pid, err)
	}
}

func TestMissingBinaryIsAnError(t *testing.T) {
	t.Setenv("AZURITE_BIN", filepath.Join(t.TempDir(), "nope"))
	if _, err := Start(context.Background()); err == nil {
		t.Fatal("want an error for a missing AZURITE_BIN")
	}
	t.Setenv("AZURITE_BIN", "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	_, err := Start(context.Background())
	if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "npm ci --prefix tools") {
		t.Fatalf("got %v", err)
	}
}

func TestNewNameIsValidForQueuesAndTables(t *testing.T) {
	var inst Instance
	a, b := inst.NewName("jobs"), inst.NewName("jobs")
	if a == b {
		t.Fatal("names repeat")
	}
	for _, n := range []string{a, b} {
		if len(n) < 3 || len(n) > 63 || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			t.Fatalf("bad name %q", n)
		}
	}
}

// A port taken between reservation and Azurite's bind makes Start retry.
func TestStartRetriesAfterPortRace(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	calls := 0
	reservePorts = func(n int) ([]int, error) {
		calls++
		ports, err := childproc.FreePorts(n)
		if calls == 1 && err == nil {
			ports[1] = held.Addr().(*net.TCPAddr).Port // the queue port is taken
		}
		return ports, err
	}
	defer func() { reservePorts = childproc.FreePorts }()
	inst := ForTest(t)
	if calls < 2 || strings.HasSuffix(inst.QueueEndpoint(), ":"+strconv.Itoa(held.Addr().(*net.TCPAddr).Port)+"/devstoreaccount1") {
		t.Fatalf("no retry: %d calls, queue %s", calls, inst.QueueEndpoint())
	}
}
