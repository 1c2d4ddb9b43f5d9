package desk

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/keyvault"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/logcapture"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/journal"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/pin"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/report"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/softctap"
)

func TestMain(m *testing.M) { os.Exit(azurite.RunTests(m)) }

// Users of the Graph double's sandbox tenant.
const (
	nora  = "10000000-0000-4000-8000-000000000001"
	petra = "10000000-0000-4000-8000-000000000005"
	jobID = "6f1d8a52-2c1e-4e8e-9a59-0a4c1e0b9d11"
)

// rig is one desk: Azurite queues of its own, the Graph double (which
// issues creation options and verifies registrations with go-webauthn),
// the Key Vault double behind the real azsecrets, a USB bus of software
// keys under the real libfido2, a journal, a CSV report and captured logs.
type rig struct {
	t       testing.TB
	svc     *azqueue.ServiceClient
	queues  Queues
	graph   *graphdouble.Double
	graphAt string
	vault   *keyvault.Vault
	secrets *azsecrets.Client
	kvPuts  *recorder
	bus     *softctap.Bus
	op      *scriptOp
	dir     string
	logs    *logcapture.Buffer
	log     *slog.Logger
	csvPath string
	index   int
	journal *journal.Journal
}

func newRig(t testing.TB, graphOpts ...graphdouble.Options) *rig {
	t.Helper()
	az := azurite.Shared(t)
	svc, err := queue.ServiceClient(az.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := graphdouble.LoadSeed("../../../../internal/graphdouble/testdata/tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	var gopts graphdouble.Options
	if len(graphOpts) > 0 {
		gopts = graphOpts[0]
	}
	g := graphdouble.New(tenant, gopts)
	g.Update(func(tn *graphdouble.Tenant) {
		tn.Setup.Fido2 = graphdouble.Fido2Policy{Enabled: true, SelfServiceRegistration: true, AttestationEnforced: true}
	})
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	v := keyvault.Start(keyvault.Options{})
	t.Cleanup(v.Close)
	rec := &recorder{next: v.Client()}
	opts := v.ClientOptions()
	opts.Transport = rec
	sc, err := azsecrets.NewClient(v.URL(), &fake.TokenCredential{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	logger, logs := logcapture.New(slog.LevelDebug)
	bus := softctap.NewBus()
	r := &rig{t: t, svc: svc, graph: g, graphAt: srv.URL, vault: v, secrets: sc, kvPuts: rec, bus: bus,
		op: &scriptOp{bus: bus}, dir: t.TempDir(), logs: logs, log: logger,
		queues: Queues{Service: svc, Pending: az.NewName("pending"), Results: az.NewName("results")}}
	r.csvPath = filepath.Join(r.dir, "report.csv")
	return r
}

func (r *rig) key(o softctap.Options) *softctap.Key {
	r.t.Helper()
	k, err := softctap.New(o)
	if err != nil {
		r.t.Fatal(err)
	}
	return k
}

// settings are the defaults with a fast bus poll and a named desk.
func settings() Settings {
	s := Defaults()
	s.Poll = 2 * time.Millisecond
	s.Workstation = "desk-1"
	return s
}

// options asks the Graph double for a user's beta creation options.
func (r *rig) options(userID string) json.RawMessage {
	r.t.Helper()
	resp, err := http.Get(r.graphAt + "/beta/users/" + userID + "/authentication/fido2Methods/creationOptions(challengeTimeoutInMinutes=60)")
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		r.t.Fatalf("creationOptions: %d %s", resp.StatusCode, body)
	}
	return body
}

// pending puts one user's options on the rig's pending queue, as the
// Fido2Job worker does.
func (r *rig) pending(userID, upn string, edit ...func(*fido2msg.Pending)) fido2msg.Pending {
	r.t.Helper()
	raw := r.options(userID)
	var head struct {
		Expires time.Time `json:"challengeTimeoutDateTime"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		r.t.Fatal(err)
	}
	r.index++
	p := fido2msg.NewPending(fido2msg.Pending{JobID: jobID, Index: r.index,
		User:            fido2msg.PendingUser{ID: userID, UPN: upn, DisplayName: "Someone " + upn[:4]},
		CreationOptions: raw, ChallengeExpiresAt: head.Expires, IssuedAt: time.Now().UTC()})
	for _, e := range edit {
		e(&p)
	}
	r.enqueue(p)
	return p
}

func (r *rig) enqueue(v any) {
	r.t.Helper()
	text, err := fido2msg.Encode(v)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := queue.EnqueueText(context.Background(), r.svc, r.queues.Pending, text); err != nil {
		r.t.Fatal(err)
	}
}

// runner is a desk run over the rig's journal, opened for this run (a
// previous run's is closed first, as a finished process would).
func (r *rig) runner(s Settings) *Runner {
	r.t.Helper()
	if r.journal != nil {
		r.journal.Close()
	}
	j, err := journal.Open(filepath.Join(r.dir, "journal.jsonl"))
	if err != nil {
		r.t.Fatal(err)
	}
	r.journal = j
	r.t.Cleanup(func() { j.Close() })
	f, err := os.OpenFile(r.csvPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { f.Close() })
	info, err := f.Stat()
	if err != nil {
		r.t.Fatal(err)
	}
	csv, err := report.NewCSV(f, info.Size() == 0)
	if err != nil {
		r.t.Fatal(err)
	}
	return &Runner{Settings: s, Queues: r.queues, Keys: r.bus, Operator: r.op, Journal: j, Log: r.log,
		PINs:     VaultStore{Client: r.secrets, Expiry: 30 * 24 * time.Hour},
		Outcomes: func(o Outcome) { _ = csv.Add(o.Row(s.Workstation)) }}
}

// run runs the desk with a bound, so a test that would wait for a key
// forever fails instead; the operator stops the run when it has no key
// left to offer.
func (r *rig) run(run *Runner) (Summary, error) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r.op.cancel = cancel
	return run.Run(ctx)
}

// results takes every message off the results queue.
func (r *rig) results() []fido2msg.Result {
	r.t.Helper()
	var out []fido2msg.Result
	q := r.svc.NewQueueClient(r.queues.Results)
	for {
		n := int32(32)
		resp, err := q.DequeueMessages(context.Background(), &azqueue.DequeueMessagesOptions{NumberOfMessages: &n})
		if err != nil {
			if strings.Contains(err.Error(), "QueueNotFound") {
				return out
			}
			r.t.Fatal(err)
		}
		if len(resp.Messages) == 0 {
			return out
		}
		for _, m := range resp.Messages {
			var res fido2msg.Result
			if err := fido2msg.DecodeText(*m.MessageText, fido2msg.TypeResult, &res); err != nil {
				r.t.Fatal(err)
			}
			if err := res.Validate(); err != nil {
				r.t.Fatalf("result does not validate: %v", err)
			}
			out = append(out, res)
			if _, err := q.DeleteMessage(context.Background(), *m.MessageID, *m.PopReceipt, nil); err != nil {
				r.t.Fatal(err)
			}
		}
	}
}

// count is the number of messages on a queue (peeked, at most 32).
func (r *rig) count(name string) int { return len(azurite.Peek(r.t, r.svc, name)) }

// register POSTs a result to the Graph double as the Fido2Register worker
// does, and returns Entra's answer.
func (r *rig) register(res fido2msg.Result) (int, map[string]any) {
	r.t.Helper()
	body, _ := json.Marshal(map[string]any{
		"displayName": res.DisplayName,
		"publicKeyCredential": map[string]any{"id": res.Credential.ID,
			"response": map[string]any{"clientDataJSON": res.Credential.ClientDataJSON, "attestationObject": res.Credential.AttestationObject}},
	})
	resp, err := http.Post(r.graphAt+"/beta/users/"+res.UserID+"/authentication/fido2Methods", "application/json", bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// secret reads an item's PIN back from the Key Vault double.
func (r *rig) secret(p fido2msg.Pending) azsecrets.GetSecretResponse {
	r.t.Helper()
	s, err := r.secrets.GetSecret(context.Background(), SecretName(p.JobID, p.Index), "", nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

func (r *rig) journalText() string {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, "journal.jsonl"))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

// noLeak looks for a PIN everywhere it must never be: logs, what the
// operator was told, every file the desk wrote (journal, its lock, the CSV
// report), every queue message (results decoded down to their bytes), and
// the Key Vault secrets' names and tags (only a secret's value may hold
// it).
func (r *rig) noLeak(secretPIN string, results []fido2msg.Result) {
	r.t.Helper()
	places := map[string]string{"logs": r.logs.String(), "operator": strings.Join(r.op.said(), "\n")}
	for name, text := range r.files() {
		places["file "+name] = text
	}
	for i, res := range results {
		b, _ := json.Marshal(res)
		places["result "+string(rune('0'+i))] = string(b)
		for _, blob := range []string{res.Credential.ClientDataJSON, res.Credential.AttestationObject, res.Credential.ID} {
			raw, _ := base64.RawURLEncoding.DecodeString(blob)
			places["result blob "+string(rune('0'+i))] += string(raw)
		}
	}
	for _, q := range []string{r.queues.Pending, r.queues.PoisonName()} {
		places["queue "+q] = strings.Join(r.peekTexts(q), "\n")
	}
	for i, put := range r.kvPuts.requests() {
		var body struct {
			Tags map[string]string `json:"tags"`
		}
		if err := json.Unmarshal([]byte(put.body), &body); err != nil {
			r.t.Fatalf("Key Vault PUT %d: %v", i, err)
		}
		tags, _ := json.Marshal(body.Tags)
		places["secret name "+put.path] = put.path
		places["secret tags "+put.path] = string(tags)
	}
	for name, text := range places {
		if strings.Contains(text, secretPIN) {
			r.t.Errorf("the PIN appears in %s", name)
		}
	}
}

// files reads every file under the rig's directory, where the desk keeps
// its journal and report.
func (r *rig) files() map[string]string {
	r.t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(r.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		out[strings.TrimPrefix(path, r.dir)] = string(b)
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	if len(out) == 0 {
		r.t.Fatal("the desk wrote no files")
	}
	return out
}

// peekTexts peeks a queue's messages, each as sent and base64-decoded.
func (r *rig) peekTexts(name string) []string { return azurite.PeekDecoded(r.t, r.svc, name) }

// scriptOp is the operator: it plugs in the next key from its supply when
// asked for one, pulls keys out when told to, types PINs from its list,
// and notes what it was told. With no key left to offer it stops the run,
// as a person would press Ctrl-C.
type scriptOp struct {
	bus    *softctap.Bus
	cancel context.CancelFunc

	mu       sync.Mutex
	supply   []*softctap.Key
	paths    []string
	pins     []string
	shown    []string
	told     []string
	prompts  []Prompt
	outcomes []Outcome
	onInsert func()
}

func (o *scriptOp) offer(keys ...*softctap.Key) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.supply = append(o.supply, keys...)
}

func (o *scriptOp) Show(it Item) { o.note("show " + it.UPN + " job " + it.JobID) }

func (o *scriptOp) Prompt(p Prompt, detail string) {
	o.mu.Lock()
	o.prompts = append(o.prompts, p)
	o.told = append(o.told, detail)
	var insert *softctap.Key
	switch p {
	case PromptInsertKey:
		if len(o.supply) == 0 {
			o.mu.Unlock()
			o.cancel()
			return
		}
		insert, o.supply = o.supply[0], o.supply[1:]
	case PromptRemoveExtra:
		for _, path := range o.paths[1:] {
			o.bus.Remove(path)
		}
		o.paths = o.paths[:1]
	case PromptOtherKey, PromptRemoveKey:
		for _, path := range o.paths {
			o.bus.Remove(path)
		}
		o.paths = nil
	}
	hook := o.onInsert
	o.mu.Unlock()
	if insert != nil {
		o.plug(insert)
		if hook != nil {
			hook()
		}
	}
}

func (o *scriptOp) plug(k *softctap.Key) {
	path := o.bus.Insert(k)
	o.mu.Lock()
	o.paths = append(o.paths, path)
	o.mu.Unlock()
}

func (o *scriptOp) AskPIN(_ context.Context, retries int) (*pin.PIN, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.told = append(o.told, "PIN asked")
	if len(o.pins) == 0 {
		return &pin.PIN{}, nil
	}
	p := o.pins[0]
	o.pins = o.pins[1:]
	return pin.FromBytes([]byte(p)), nil
}

func (o *scriptOp) ShowPIN(_ context.Context, _ Item, p *pin.PIN) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.shown = append(o.shown, p.Reveal())
	return nil
}

func (o *scriptOp) Finished(out Outcome, p Progress) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.outcomes = append(o.outcomes, out)
	b, _ := json.Marshal(out)
	o.told = append(o.told, string(b))
}

func (o *scriptOp) note(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.told = append(o.told, s)
}

func (o *scriptOp) said() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.told...)
}

func (o *scriptOp) saw(p Prompt) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, x := range o.prompts {
		if x == p {
			return true
		}
	}
	return false
}

// recorder keeps the paths and bodies of PUTs to the Key Vault double.
type recorder struct {
	next *http.Client
	mu   sync.Mutex
	puts []vaultPut
}

type vaultPut struct{ path, body string }

func (rec *recorder) Do(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(b))
		rec.mu.Lock()
		rec.puts = append(rec.puts, vaultPut{path: req.URL.Path, body: string(b)})
		rec.mu.Unlock()
	}
	return rec.next.Do(req)
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.puts)
}

func (rec *recorder) requests() []vaultPut {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]vaultPut(nil), rec.puts...)
}
