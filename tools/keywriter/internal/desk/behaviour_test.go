package desk

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/softctap"
)

// A challenge that expires within the margin is dropped before any key is
// touched: the key on the bus is never even opened.
func TestExpiredChallengeNeverTouchesAKey(t *testing.T) {
	r := newRig(t)
	key := r.key(softctap.Options{})
	r.op.plug(key)
	r.pending(nora, "nora.new@contoso.example", func(p *fido2msg.Pending) {
		p.ChallengeExpiresAt = time.Now().Add(time.Minute) // inside the 2-minute margin
	})
	sum, err := r.run(r.runner(settings()))
	if err != nil || sum.Expired != 1 || sum.Written != 0 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	if calls := key.Calls(); len(calls) != 0 {
		t.Errorf("the key was touched: %q", calls)
	}
	if r.count(r.queues.Pending) != 0 || len(r.results()) != 0 || !strings.Contains(r.journalText(), `"event":"skipped"`) {
		t.Error("an expired item must be dropped and journaled, nothing sent")
	}
}

// The challenge runs out while the operator finds a key: the key is read
// (getInfo) but nothing is written to it.
func TestChallengeExpiresWhileWaitingForAKey(t *testing.T) {
	r := newRig(t)
	key := r.key(softctap.Options{})
	r.op.offer(key)
	clk := clock.New(time.Now())
	r.op.onInsert = func() { clk.Advance(2 * time.Hour) }
	r.pending(nora, "nora.new@contoso.example")
	run := r.runner(settings())
	run.Now = clk.Now
	sum, err := r.run(run)
	if err != nil || sum.Expired != 1 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	for _, c := range key.Calls() {
		if c != "getInfo" {
			t.Errorf("the key received %q after its challenge expired", c)
		}
	}
	if key.HasPIN() || len(key.Credentials()) != 0 {
		t.Error("the key was changed")
	}
}

// A key that already holds the user's passkey is refused instead of
// overwriting it, and the operator is asked for another key. With Entra's
// usual credProtect 1 the silent preflight finds the passkey before the
// PIN is asked for; with credProtect 3 the preflight cannot see it, and
// the exclude list sent with makeCredential (verified with the PIN) makes
// the key refuse.
func TestExcludeListHonoured(t *testing.T) {
	for name, tc := range map[string]struct {
		policy    string
		preflight bool
	}{
		"credProtect 1, found by the preflight":           {"userVerificationOptional", true},
		"credProtect 3, refused by makeCredential's list": {"userVerificationRequired", false},
	} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, graphdouble.Options{FIDO2: graphdouble.FIDO2Options{CredentialProtection: tc.policy}})
			first := r.key(softctap.Options{})
			r.op.offer(first)
			s := settings()
			s.ForcePINChange, s.MinPINLength = false, 0 // the key is used again below
			p1 := r.pending(nora, "nora.new@contoso.example")
			if sum, err := r.run(r.runner(s)); err != nil || sum.Written != 1 {
				t.Fatalf("first run: %v %+v", err, sum)
			}
			if st, body := r.register(r.results()[0]); st != 201 {
				t.Fatalf("register: %d %v", st, body)
			}
			held := first.Credentials()
			mcBefore := strings.Count(strings.Join(first.Calls(), "\n"), "makeCredential")

			// Nora's next options exclude the passkey on the first key.
			r.pending(nora, "nora.new@contoso.example")
			second := r.key(softctap.Options{})
			r.op = &scriptOp{bus: r.bus}
			r.op.offer(first, second)
			r.op.pins = []string{*r.secret(p1).Value}
			sum, err := r.run(r.runner(s))
			if err != nil || sum.Written != 1 {
				t.Fatalf("second run: %v %+v", err, sum)
			}
			if got := first.Credentials(); len(got) != 1 || string(got[0].ID) != string(held[0].ID) {
				t.Errorf("the first key's passkey was replaced: %+v", got)
			}
			calls := first.Calls()
			asked := slices.Contains(r.op.said(), "PIN asked")
			mc := calls[indexWithLast(calls, "makeCredential")]
			if tc.preflight && (asked || strings.Count(strings.Join(calls, "\n"), "makeCredential") != mcBefore) {
				t.Errorf("the preflight should refuse before the PIN and makeCredential: %q", calls)
			}
			if !tc.preflight && (!asked || !strings.Contains(mc, "excludeList=1 pin=true")) {
				t.Errorf("makeCredential should carry the exclude list with the PIN: %q", calls)
			}
			if !r.op.saw(PromptOtherKey) || len(second.Credentials()) != 1 {
				t.Error("the operator was not asked for another key, or it was not written")
			}
			if st, body := r.register(r.results()[0]); st != 201 {
				t.Fatalf("second key: %d %v", st, body)
			}
		})
	}
}

func indexWithLast(list []string, prefix string) int {
	i := -1
	for j, s := range list {
		if strings.HasPrefix(s, prefix) {
			i = j
		}
	}
	return i
}

// A crash after the credential is journaled (before or after the result
// is sent) loses nothing and writes nothing twice: the next run sends
// what was not sent, recognises the redelivered message and never asks
// for a key.
func TestCrashRestartNoDoubleWrite(t *testing.T) {
	for _, step := range []string{"written", "sent"} {
		t.Run(step, func(t *testing.T) {
			r := newRig(t)
			key := r.key(softctap.Options{})
			r.op.offer(key)
			p := r.pending(nora, "nora.new@contoso.example")
			s := settings()
			s.PINLength = 12 // long enough that it cannot turn up by chance
			run := r.runner(s)
			run.crash = func(at string, l *lease) bool {
				if at != step {
					return false
				}
				// The process dies; its lease runs out: the message is back.
				_ = l.setVisibility(context.Background(), 0)
				return true
			}
			if _, err := r.run(run); !errors.Is(err, errCrashed) {
				t.Fatalf("first run: %v", err)
			}
			run.Journal.Close()

			spare := r.key(softctap.Options{})
			r.op = &scriptOp{bus: r.bus}
			r.op.offer(spare)
			sum, err := r.run(r.runner(s))
			if err != nil || sum.Skipped != 1 || sum.Written != 0 {
				t.Fatalf("restart: %v %+v", err, sum)
			}
			if want := map[string]int{"written": 1, "sent": 0}[step]; sum.Resent != want {
				t.Errorf("resent %d, want %d", sum.Resent, want)
			}
			if r.op.saw(PromptInsertKey) || len(spare.Calls()) != 0 || len(key.Credentials()) != 1 {
				t.Error("the restart asked for or wrote a key")
			}
			res := r.results()
			if len(res) != 1 {
				t.Fatalf("%d results, want 1", len(res))
			}
			if st, body := r.register(res[0]); st != 201 {
				t.Errorf("register: %d %v", st, body)
			}
			if r.count(r.queues.Pending) != 0 {
				t.Error("the pending message was not closed")
			}
			// The journal the restart read the result back from holds no PIN.
			r.noLeak(*r.secret(p).Value, res)
		})
	}
}

// With the "skip" policy a key that has a PIN is refused for a fresh one.
func TestKeyWithPINSkippedByPolicy(t *testing.T) {
	r := newRig(t)
	used := r.key(softctap.Options{PIN: "583920"})
	fresh := r.key(softctap.Options{})
	r.op.offer(used, fresh)
	r.pending(petra, "petra.reports@contoso.example")
	s := settings()
	s.OnPINSet = OnPINSkip
	sum, err := r.run(r.runner(s))
	if err != nil || sum.Written != 1 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	if len(used.Credentials()) != 0 || len(fresh.Credentials()) != 1 || !r.op.saw(PromptOtherKey) {
		t.Error("the key with a PIN was used, or the fresh one was not")
	}
	if slices.ContainsFunc(used.Calls(), func(c string) bool { return strings.HasPrefix(c, "clientPIN") }) {
		t.Errorf("the refused key saw PIN commands: %q", used.Calls())
	}
}

// With the "ask" policy the operator types the PIN (a wrong one is asked
// again); the desk stores nothing, since it set nothing.
func TestKeyWithPINAsked(t *testing.T) {
	r := newRig(t)
	used := r.key(softctap.Options{PIN: "583920"})
	r.op.offer(used)
	r.op.pins = []string{"000000", "583920"}
	r.pending(petra, "petra.reports@contoso.example")
	sum, err := r.run(r.runner(settings()))
	if err != nil || sum.Written != 1 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	if r.kvPuts.count() != 0 || sum.Outcomes[0].PINRef != "" {
		t.Error("a PIN the desk did not set was stored")
	}
	if n := strings.Count(strings.Join(r.op.said(), "\n"), "PIN asked"); n != 2 {
		t.Errorf("PIN asked %d times, want 2", n)
	}
	if !used.ForcePINChange() {
		t.Error("the PIN policy was not applied")
	}
	res := r.results()
	if !strings.HasPrefix(res[0].DisplayName, "Softctap FIDO2 #") || res[0].Key.Serial != "" {
		t.Errorf("a key without a serial: display name %q", res[0].DisplayName)
	}
	if st, _ := r.register(res[0]); st != 201 {
		t.Errorf("register: %d", st)
	}
	r.noLeak("583920", nil)
}

// A key whose own minimum PIN length is above the desk's setting gets a
// PIN of the key's minimum (a shorter one would be refused), and the
// desk's lower minimum is not sent: a key's minimum only grows.
func TestPINFollowsTheKeysMinimum(t *testing.T) {
	r := newRig(t)
	key := r.key(softctap.Options{MinPINLength: 10})
	r.op.offer(key)
	p := r.pending(nora, "nora.new@contoso.example")
	sum, err := r.run(r.runner(settings())) // 8 digits, minimum 6
	if err != nil || sum.Written != 1 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	value := *r.secret(p).Value
	if len(value) != 10 || !key.PINIs(value) {
		t.Errorf("a %d-digit PIN stored; the key's PIN matches: %v", len(value), key.PINIs(value))
	}
	// Right the first time: no PIN the key refused, none stored in vain.
	if n := slices.Index(key.Calls(), "clientPIN setPIN"); n < 0 || slices.Contains(key.Calls()[n+1:], "clientPIN setPIN") || r.kvPuts.count() != 1 {
		t.Errorf("calls %q, %d PINs stored", key.Calls(), r.kvPuts.count())
	}
	if key.MinPINLength() != 10 || !key.ForcePINChange() || sum.Outcomes[0].Finalize != "" {
		t.Errorf("policy: min %d, forced change %v, note %q", key.MinPINLength(), key.ForcePINChange(), sum.Outcomes[0].Finalize)
	}
	if st, body := r.register(r.results()[0]); st != 201 {
		t.Errorf("register: %d %v", st, body)
	}
}

// Screen delivery shows the PIN once and stores nothing.
func TestScreenDelivery(t *testing.T) {
	r := newRig(t)
	key := r.key(softctap.Options{})
	r.op.offer(key)
	r.pending(nora, "nora.new@contoso.example")
	s := settings()
	s.Delivery = DeliverScreen
	run := r.runner(s)
	run.PINs = nil
	sum, err := r.run(run)
	if err != nil || sum.Written != 1 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	if len(r.op.shown) != 1 || !key.PINIs(r.op.shown[0]) || r.kvPuts.count() != 0 {
		t.Fatalf("shown %d PINs, %d stored", len(r.op.shown), r.kvPuts.count())
	}
	r.noLeak(r.op.shown[0], r.results())
}

func TestAAGUIDAllowList(t *testing.T) {
	r := newRig(t)
	other := r.key(softctap.Options{AAGUID: [16]byte{1, 2, 3}})
	allowed := r.key(softctap.Options{})
	r.op.offer(other, allowed)
	r.pending(nora, "nora.new@contoso.example")
	s := settings()
	aaguid := softctap.DefaultAAGUID
	s.AllowedAAGUIDs = []string{strings.ToUpper(fidoAAGUID(aaguid[:]))}
	sum, err := r.run(r.runner(s))
	if err != nil || sum.Written != 1 || len(other.Credentials()) != 0 || len(allowed.Credentials()) != 1 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	if !slices.ContainsFunc(r.op.said(), func(s string) bool { return strings.Contains(s, "allow-list") }) {
		t.Error("the operator was not told why")
	}
}

func TestUnreadableMessageGoesToPoison(t *testing.T) {
	r := newRig(t)
	r.enqueue(map[string]any{"type": "fido2.pending", "version": 1, "jobId": "x"})
	r.enqueue(fido2msg.NewPending(fido2msg.Pending{JobID: jobID, Index: 1, User: fido2msg.PendingUser{ID: nora},
		CreationOptions: []byte(`{"publicKey":{"rp":{"id":"evil.example/x"}}}`), ChallengeExpiresAt: time.Now().Add(time.Hour)}))
	sum, err := r.run(r.runner(settings()))
	if err != nil || sum.Failed != 2 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	if r.count(r.queues.PoisonName()) != 2 || r.count(r.queues.Pending) != 0 {
		t.Error("unreadable messages not moved to the poison queue")
	}
}

// With two keys plugged in the operator is asked to leave one.
func TestOneKeyAtATime(t *testing.T) {
	r := newRig(t)
	a, b := r.key(softctap.Options{}), r.key(softctap.Options{})
	r.op.plug(a)
	r.op.plug(b)
	r.pending(nora, "nora.new@contoso.example")
	sum, err := r.run(r.runner(settings()))
	if err != nil || sum.Written != 1 || !r.op.saw(PromptRemoveExtra) {
		t.Fatalf("run: %v %+v", err, sum)
	}
	if len(a.Credentials())+len(b.Credentials()) != 1 || len(b.Calls()) != 0 {
		t.Error("the extra key was used")
	}
}

// Ctrl-C while waiting for a key hands the message back at once.
func TestInterruptReleasesTheMessage(t *testing.T) {
	r := newRig(t)
	r.pending(nora, "nora.new@contoso.example")
	sum, err := r.run(r.runner(settings())) // no key to offer: the operator stops
	if !errors.Is(err, ErrInterrupted) || !sum.Interrupted {
		t.Fatalf("run: %v %+v", err, sum)
	}
	l, err := r.queues.next(context.Background(), time.Minute)
	if err != nil || l == nil {
		t.Fatalf("the message is not visible again: %v", err)
	}
}

// A lease taken over by someone else is noticed before a key is touched.
func TestLostLease(t *testing.T) {
	r := newRig(t)
	r.pending(nora, "nora.new@contoso.example")
	l, err := r.queues.next(context.Background(), time.Minute)
	if err != nil || l == nil {
		t.Fatal(err)
	}
	if err := l.setVisibility(context.Background(), time.Minute); err != nil {
		t.Fatalf("renew: %v", err)
	}
	stale := &lease{q: l.q, id: l.id, text: l.text, pop: "stale"}
	if err := stale.setVisibility(context.Background(), time.Minute); !errors.Is(err, errLeaseLost) {
		t.Errorf("stale pop receipt: %v", err)
	}
	if err := l.delete(context.Background()); err != nil || r.count(r.queues.Pending) != 0 {
		t.Errorf("delete with the renewed receipt: %v", err)
	}
}

func fidoAAGUID(b []byte) string {
	const hex = "0123456789abcdef"
	var s strings.Builder
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s.WriteByte('-')
		}
		s.WriteByte(hex[x>>4])
		s.WriteByte(hex[x&15])
	}
	return s.String()
}

// When the results queue fails after a key was written, the run stops
// (no more keys whose results cannot be sent) and the next run sends the
// journaled result.
func TestResultsQueueDownStopsTheRun(t *testing.T) {
	r := newRig(t)
	key := r.key(softctap.Options{})
	r.op.offer(key, r.key(softctap.Options{}))
	r.pending(nora, "nora.new@contoso.example")
	r.pending(petra, "petra.reports@contoso.example")
	run := r.runner(settings())
	good := run.Queues.Results
	run.Queues.Results = "Not_A_Queue_Name"
	sum, err := r.run(run)
	if !errors.Is(err, errStop) || sum.Failed != 1 || sum.Written != 0 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	if len(key.Credentials()) != 1 || r.count(r.queues.Pending) != 1 {
		t.Fatal("want one key written and the second message untouched")
	}
	run2 := r.runner(settings())
	run2.Queues.Results = good
	sum, err = r.run(run2)
	if err != nil || sum.Resent != 1 || sum.Written != 1 {
		t.Fatalf("restart: %v %+v", err, sum)
	}
	// Nora's result resent from the journal (her message waits out
	// RetryLater and is then recognised as written); Petra's key written.
	res := r.results()
	if len(res) != 2 || res[0].UserID != nora || res[1].UserID != petra {
		t.Fatalf("%d results", len(res))
	}
}

// The lease is renewed on every tick (a new pop receipt each time), and a
// message gone from under it cancels the item with errLeaseLost.
func TestLeaseKeptAlive(t *testing.T) {
	r := newRig(t)
	r.pending(nora, "nora.new@contoso.example")
	l, err := r.queues.next(context.Background(), time.Minute)
	if err != nil || l == nil {
		t.Fatal(err)
	}
	first := l.pop
	ticks := make(chan time.Time)
	ctx, stop := l.keepWith(context.Background(), time.Minute, r.log, ticks)
	ticks <- time.Now()
	ticks <- time.Now() // taken only once the first renewal is done
	stop()
	if l.pop == first || ctx.Err() == nil {
		t.Fatalf("not renewed: pop receipt unchanged %v", l.pop == first)
	}
	if err := l.delete(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, stop = l.keepWith(context.Background(), time.Minute, r.log, ticks)
	defer stop()
	ticks <- time.Now()
	<-ctx.Done()
	if !errors.Is(context.Cause(ctx), errLeaseLost) {
		t.Errorf("cause %v", context.Cause(ctx))
	}
}

// withExclude replaces the options' excludeCredentials (Entra's standard
// base64 form).
func withExclude(ids ...[]byte) func(*fido2msg.Pending) {
	return func(p *fido2msg.Pending) {
		var opts map[string]any
		if err := json.Unmarshal(p.CreationOptions, &opts); err != nil {
			panic(err)
		}
		var list []map[string]any
		for _, id := range ids {
			list = append(list, map[string]any{"type": "public-key", "id": base64.StdEncoding.EncodeToString(id)})
		}
		opts["publicKey"].(map[string]any)["excludeCredentials"] = list
		p.CreationOptions, _ = json.Marshal(opts)
	}
}

func randomIDs(n int) [][]byte {
	var out [][]byte
	for i := range n {
		id := bytes.Repeat([]byte{byte(i + 1)}, 32)
		out = append(out, id)
	}
	return out
}

// More existing passkeys than the key checks at once: the silent
// preflight checks them in batches, then the key is written.
func TestLongExcludeListCheckedInBatches(t *testing.T) {
	r := newRig(t)
	key := r.key(softctap.Options{MaxCredCountInList: 2})
	r.op.offer(key)
	r.pending(nora, "nora.new@contoso.example", withExclude(randomIDs(5)...))
	sum, err := r.run(r.runner(settings()))
	if err != nil || sum.Written != 1 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	calls := key.Calls()
	n := 0
	for _, c := range calls {
		if strings.HasPrefix(c, "getAssertion") && strings.Contains(c, "up=false") {
			n++
		}
	}
	if n != 3 || !strings.Contains(calls[indexWith(calls, "makeCredential")], "excludeList=0") {
		t.Errorf("%d preflight batches, calls %q", n, calls)
	}
}

// A key that holds the user's passkey among many is found by the
// preflight and refused before its PIN is asked for.
func TestPreflightRefusesAKeyHoldingThePasskey(t *testing.T) {
	r := newRig(t)
	first := r.key(softctap.Options{MaxCredCountInList: 2})
	r.op.offer(first)
	s := settings()
	s.ForcePINChange, s.MinPINLength = false, 0
	if sum, err := r.run(r.runner(s)); err != nil || sum.Written != 0 {
		t.Fatalf("nothing to do yet: %v %+v", err, sum)
	}
	r.pending(nora, "nora.new@contoso.example")
	r.op = &scriptOp{bus: r.bus}
	r.op.offer(first)
	if sum, err := r.run(r.runner(s)); err != nil || sum.Written != 1 {
		t.Fatalf("first run: %v %+v", err, sum)
	}
	held := first.Credentials()[0].ID
	r.pending(nora, "nora.new@contoso.example", withExclude(append(randomIDs(4), held)...))
	second := r.key(softctap.Options{MaxCredCountInList: 2})
	r.op = &scriptOp{bus: r.bus}
	r.op.offer(first, second)
	sum, err := r.run(r.runner(s))
	if err != nil || sum.Written != 1 || len(second.Credentials()) != 1 || len(first.Credentials()) != 1 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	if slices.Contains(r.op.said(), "PIN asked") || !r.op.saw(PromptOtherKey) {
		t.Errorf("said %q", r.op.said())
	}
}

// Key Vault refusing the PIN stops the run before anything is set on the
// key, and hands the message back at once.
func TestVaultDownStopsBeforeTheKey(t *testing.T) {
	r := newRig(t)
	key := r.key(softctap.Options{})
	r.op.offer(key)
	r.pending(nora, "nora.new@contoso.example")
	r.vault.FailNext(20, 403, 0)
	sum, err := r.run(r.runner(settings()))
	if !errors.Is(err, errHalt) || sum.Failed != 1 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	if key.HasPIN() || len(key.Credentials()) != 0 {
		t.Error("the key was changed")
	}
	if l, err := r.queues.next(context.Background(), time.Minute); err != nil || l == nil {
		t.Errorf("the message is not back on the queue: %v", err)
	}
}
