package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/keyvault"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/desk"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/softctap"
)

func TestMain(m *testing.M) { os.Exit(azurite.RunTests(m)) }

const nora = "10000000-0000-4000-8000-000000000001"

// station is the command with a software key bus, Azurite, the Key Vault
// double and a watcher that acts on what the command prints, as the
// operator would: plug in the next key when asked, pull it out when told.
type station struct {
	t      *testing.T
	bus    *softctap.Bus
	vault  *keyvault.Vault
	conn   string
	svc    *azqueue.ServiceClient
	dir    string
	out    *watcher
	supply []*softctap.Key
	paths  []string
}

func newStation(t *testing.T) *station {
	t.Helper()
	az := azurite.Shared(t)
	svc, err := queue.ServiceClient(az.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{fido2msg.QueuePending, fido2msg.QueueResults, fido2msg.QueuePending + "-poison"} {
		_, _ = svc.DeleteQueue(context.Background(), q, nil) // each test starts with empty queues
	}
	v := keyvault.Start(keyvault.Options{})
	t.Cleanup(v.Close)
	d := &station{t: t, bus: softctap.NewBus(), vault: v, conn: az.ConnectionString(), svc: svc, dir: t.TempDir()}
	d.out = &watcher{react: d.react}
	return d
}

func (d *station) app(stdin string) *app {
	return &app{stdin: strings.NewReader(stdin), stdout: d.out, stderr: d.out, keys: d.bus, terminal: -1,
		getenv: func(k string) string {
			if k == "XDG_STATE_HOME" {
				return d.dir
			}
			return ""
		},
		credential:   func(string, string) (azcore.TokenCredential, error) { return &fake.TokenCredential{}, nil },
		vaultOptions: d.vault.ClientOptions()}
}

// react is the operator reading the screen.
func (d *station) react(line string) {
	switch {
	case strings.Contains(line, "Insert a security key") || strings.Contains(line, "Insert the security key"):
		if len(d.supply) > 0 {
			d.paths = append(d.paths, d.bus.Insert(d.supply[0]))
			d.supply = d.supply[1:]
		}
	case strings.Contains(line, "Done with this key"), strings.Contains(line, "Remove it and insert another"),
		strings.Contains(line, "Unplug the key"):
		for _, p := range d.paths {
			d.bus.Remove(p)
		}
		d.paths = nil
	}
}

func (d *station) key(o softctap.Options) *softctap.Key {
	k, err := softctap.New(o)
	if err != nil {
		d.t.Fatal(err)
	}
	return k
}

// pending puts Nora's options from the Graph double on fido2-pending.
func (d *station) pending() {
	d.t.Helper()
	tenant, err := graphdouble.LoadSeed("../../internal/graphdouble/testdata/tenant.json")
	if err != nil {
		d.t.Fatal(err)
	}
	g := graphdouble.New(tenant, graphdouble.Options{})
	g.Update(func(tn *graphdouble.Tenant) {
		tn.Setup.Fido2 = graphdouble.Fido2Policy{Enabled: true, SelfServiceRegistration: true}
	})
	srv := httptest.NewServer(g)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/beta/users/" + nora + "/authentication/fido2Methods/creationOptions(challengeTimeoutInMinutes=60)")
	if err != nil {
		d.t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text, err := fido2msg.Encode(fido2msg.NewPending(fido2msg.Pending{JobID: "6f1d8a52-2c1e-4e8e-9a59-0a4c1e0b9d11", Index: 1,
		User:            fido2msg.PendingUser{ID: nora, UPN: "nora.new@contoso.example", DisplayName: "Nora New"},
		CreationOptions: raw, ChallengeExpiresAt: time.Now().Add(time.Hour), IssuedAt: time.Now()}))
	if err != nil {
		d.t.Fatal(err)
	}
	if err := queue.EnqueueText(context.Background(), d.svc, fido2msg.QueuePending, text); err != nil {
		d.t.Fatal(err)
	}
}

func (d *station) count(q string) int { return len(azurite.Peek(d.t, d.svc, q)) }

// texts peeks a queue's messages, each as sent and base64-decoded.
func (d *station) texts(q string) []string { return azurite.PeekDecoded(d.t, d.svc, q) }

// watcher collects output and hands each line to react as it is printed.
type watcher struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	part  string
	react func(string)
}

func (w *watcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	text := w.part + string(p)
	lines := strings.Split(text, "\n")
	w.part = lines[len(lines)-1]
	w.mu.Unlock()
	for _, l := range lines[:len(lines)-1] {
		w.react(l)
	}
	if strings.HasSuffix(w.part, ": ") || strings.Contains(w.part, "Insert") {
		w.react(w.part) // a prompt waiting on the same line
	}
	return len(p), nil
}

func (w *watcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestRunWritesAKeyAndReports(t *testing.T) {
	d := newStation(t)
	key := d.key(softctap.Options{})
	d.supply = []*softctap.Key{key}
	d.pending()
	csv := filepath.Join(d.dir, "out.csv")
	code := d.app("").main([]string{"run", "--storage-connection-string", d.conn, "--vault", d.vault.URL(),
		"--workstation", "desk-cli", "--csv", csv})
	out := d.out.String()
	if code != exitOK || !strings.Contains(out, "✔ written  nora.new@contoso.example") || !strings.Contains(out, "1 written, 0 skipped") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "▶ Touch the key now") || !strings.Contains(out, "Nora New") {
		t.Errorf("prompts missing:\n%s", out)
	}
	if d.count(fido2msg.QueueResults) != 1 || d.count(fido2msg.QueuePending) != 0 || !key.ForcePINChange() {
		t.Error("result not sent, message not closed or PIN policy not applied")
	}
	rows, _ := os.ReadFile(csv)
	if lines := strings.Split(strings.TrimSpace(string(rows)), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "keywriter-pin-") {
		t.Errorf("CSV:\n%s", rows)
	}

	// report reads the desk's journal from the state directory.
	d.out.buf.Reset()
	if code := d.app("").main([]string{"report"}); code != exitOK || !strings.Contains(d.out.String(), "written  1") {
		t.Errorf("report: %d\n%s", code, d.out.String())
	}
}

// The real command with its logs at the most talkative level leaves the
// PIN it set in Key Vault only: not on the screen or in its logs, not in
// any file of its state directory or the CSV, not on a queue.
func TestRunLeavesNoPINBehind(t *testing.T) {
	d := newStation(t)
	d.supply = []*softctap.Key{d.key(softctap.Options{})}
	d.pending()
	code := d.app("").main([]string{"run", "--storage-connection-string", d.conn, "--vault", d.vault.URL(),
		"--pin-length", "12", "--verbose", "--csv", filepath.Join(d.dir, "out.csv")})
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, d.out.String())
	}
	sc, err := d.vault.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := sc.GetSecret(context.Background(), desk.SecretName("6f1d8a52-2c1e-4e8e-9a59-0a4c1e0b9d11", 1), "", nil)
	if err != nil || len(*sec.Value) != 12 {
		t.Fatalf("the PIN is not in Key Vault: %v", err)
	}
	places := map[string]string{"screen and logs": d.out.String()}
	err = filepath.WalkDir(d.dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		places[path] = string(b)
		return err
	})
	if err != nil || len(places) < 3 { // the journal and the CSV at least
		t.Fatalf("files %d: %v", len(places)-1, err)
	}
	for _, q := range []string{fido2msg.QueueResults, fido2msg.QueuePending, fido2msg.QueuePending + "-poison"} {
		places["queue "+q] = strings.Join(d.texts(q), "\n")
	}
	for where, text := range places {
		if strings.Contains(text, *sec.Value) {
			t.Errorf("the PIN appears in %s", where)
		}
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	d := newStation(t)
	key := d.key(softctap.Options{})
	d.bus.Insert(key)
	d.pending()
	code := d.app("").main([]string{"run", "--dry-run", "--storage-connection-string", d.conn})
	if code != exitOK || !strings.Contains(d.out.String(), "ready") {
		t.Fatalf("exit %d\n%s", code, d.out.String())
	}
	if d.count(fido2msg.QueuePending) != 1 || len(key.Calls()) != 0 {
		t.Error("a dry run changed something")
	}
}

// An unreadable message fails its item: exit code 3 after the run.
func TestExitCodeForFailedItems(t *testing.T) {
	d := newStation(t)
	if err := queue.EnqueueText(context.Background(), d.svc, fido2msg.QueuePending, "bm90IGpzb24="); err != nil {
		t.Fatal(err)
	}
	code := d.app("").main([]string{"run", "--storage-connection-string", d.conn, "--pin-delivery", "screen"})
	if code != exitItemsFailed {
		t.Fatalf("exit %d\n%s", code, d.out.String())
	}
}

func TestUsage(t *testing.T) {
	d := newStation(t)
	for _, args := range [][]string{{}, {"frobnicate"}, {"run"}, {"run", "--storage-connection-string", "x", "--queue-service", "https://y"},
		{"run", "--storage-connection-string", "UseDevelopmentStorage=true"}, // vault delivery without a vault
		{"run", "--storage-connection-string", "UseDevelopmentStorage=true", "--pin-delivery", "screen", "--pin-length", "4"},
		{"devices", "extra"}} {
		if code := d.app("").main(args); code != exitUsage {
			t.Errorf("%q: exit %d", args, code)
		}
	}
}

func TestDevicesJSON(t *testing.T) {
	d := newStation(t)
	d.bus.Insert(d.key(softctap.Options{Serial: "23456789"}))
	d.bus.Insert(d.key(softctap.Options{PIN: "583920"}))
	if code := d.app("").main([]string{"devices", "--json", "--on-pin-set", "skip"}); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var got []deviceReport
	if err := json.Unmarshal([]byte(d.out.String()), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Usable || got[0].PIN != "not set" || got[0].Serial != "23456789" || got[1].Usable || got[1].PIN != "set" || got[1].PINRetries != 8 {
		t.Errorf("devices %+v", got)
	}
}

func TestResetCommand(t *testing.T) {
	d := newStation(t)
	key := d.key(softctap.Options{PIN: "583920", ResetNeedsReplug: true})
	d.paths = append(d.paths, d.bus.Insert(key))
	d.supply = []*softctap.Key{key} // plugged in again when asked
	if code := d.app("RESET\n").main([]string{"reset"}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, d.out.String())
	}
	if key.HasPIN() || !strings.Contains(d.out.String(), "The key was reset") {
		t.Errorf("not reset:\n%s", d.out.String())
	}
	other := d.key(softctap.Options{PIN: "583920"})
	d.bus.RemoveAll()
	d.bus.Insert(other)
	if code := d.app("no\n").main([]string{"reset"}); code != exitOK || !other.HasPIN() {
		t.Errorf("declined reset: exit %d, PIN %v", code, other.HasPIN())
	}
}
