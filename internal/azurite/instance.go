package azurite

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim/childproc"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/storage"
)

// Instance is a running Azurite process.
type Instance struct {
	proc      *childproc.Process
	output    *childproc.TailBuffer
	blobURL   string
	queueURL  string
	tableURL  string
	nameCount atomic.Int64
}

// startAttempts bounds retries after losing a port race.
const startAttempts = 5

// readyTimeout bounds one start; Azurite takes about a second.
const readyTimeout = 30 * time.Second

// Start launches Azurite (blob, queue and table services, in memory) on
// free ports and waits until the queue and table services answer. ctx
// bounds start-up only; the process runs until Stop.
func Start(ctx context.Context) (*Instance, error) {
	bin, err := findBinary()
	if err != nil {
		return nil, err
	}
	var errs []error
	for range startAttempts {
		inst, err := startOnce(ctx, bin)
		if err == nil {
			return inst, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil || !errors.Is(err, errPortTaken) {
			break
		}
	}
	return nil, fmt.Errorf("start azurite: %w", errors.Join(errs...))
}

var errPortTaken = errors.New("port taken")

// reservePorts is childproc.FreePorts; tests replace it to lose a port race.
var reservePorts = childproc.FreePorts

func startOnce(ctx context.Context, bin string) (*Instance, error) {
	ports, err := reservePorts(3)
	if err != nil {
		return nil, err
	}
	inst := &Instance{
		output:   childproc.NewTailBuffer(16 << 10),
		blobURL:  endpoint(ports[0]),
		queueURL: endpoint(ports[1]),
		tableURL: endpoint(ports[2]),
	}
	cmd := exec.Command(bin, args(ports)...)
	cmd.Stdout, cmd.Stderr = inst.output, inst.output
	if inst.proc, err = childproc.Start(cmd); err != nil {
		return nil, err
	}
	if err := inst.waitReady(ctx); err != nil {
		inst.Stop()
		return nil, err
	}
	return inst, nil
}

// args are the command-line flags, checked against azurite 3.35.0's
// dist/src/azurite.js. --loose ignores headers the emulator does not know;
// --skipApiVersionCheck keeps SDK/emulator version skew from failing tests.
func args(ports []int) []string {
	return []string{
		"--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(ports[0]),
		"--queueHost", "127.0.0.1", "--queuePort", strconv.Itoa(ports[1]),
		"--tableHost", "127.0.0.1", "--tablePort", strconv.Itoa(ports[2]),
		"--inMemoryPersistence", "--silent", "--skipApiVersionCheck", "--disableTelemetry", "--loose",
	}
}

func endpoint(port int) string {
	return fmt.Sprintf("http://127.0.0.1:%d/%s", port, storage.DevAccountName)
}

// waitReady polls until both services answer as Azurite. Checking the
// Server header tells our Azurite from a process that won a port race.
func (i *Instance) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	err := childproc.Poll(ctx, 50*time.Millisecond, i.proc.Exited(), func(ctx context.Context) bool {
		return answersAsAzurite(ctx, client, i.queueURL+"?comp=list", "Azurite-Queue") &&
			answersAsAzurite(ctx, client, i.tableURL+"/Tables", "Azurite-Table")
	})
	switch {
	case errors.Is(err, childproc.ErrExited):
		return i.exitError()
	case err != nil:
		return fmt.Errorf("azurite did not answer: %w; output: %s", err, i.output)
	}
	return nil
}

func (i *Instance) exitError() error {
	out := i.output.String()
	if strings.Contains(out, "EADDRINUSE") {
		return fmt.Errorf("%w: %s", errPortTaken, out)
	}
	return fmt.Errorf("azurite exited: %v; output: %s", i.proc.State(), out)
}

func answersAsAzurite(ctx context.Context, client *http.Client, url, server string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return strings.HasPrefix(res.Header.Get("Server"), server)
}

// ConnectionString is the explicit devstoreaccount1 string with the blob,
// queue and table endpoints of this instance.
func (i *Instance) ConnectionString() string {
	return storage.DevConnectionString(i.blobURL, i.queueURL, i.tableURL)
}

// QueueEndpoint is the queue service URL, e.g. http://127.0.0.1:PORT/devstoreaccount1.
func (i *Instance) QueueEndpoint() string { return i.queueURL }

// TableEndpoint is the table service URL.
func (i *Instance) TableEndpoint() string { return i.tableURL }

// BlobEndpoint is the blob service URL.
func (i *Instance) BlobEndpoint() string { return i.blobURL }

// Output returns the last lines Azurite wrote, for diagnostics.
func (i *Instance) Output() string { return i.output.String() }

// NewName returns a fresh name usable for both a queue and a table
// (lower-case letters and digits, starting with prefix), so tests sharing
// an instance do not see each other's messages.
func (i *Instance) NewName(prefix string) string {
	return fmt.Sprintf("%s%dx%d", prefix, time.Now().UnixNano()%1e9, i.nameCount.Add(1))
}

// Stop ends the process group and waits for the exit. Safe to call twice.
func (i *Instance) Stop() { i.proc.Stop(5 * time.Second) }
