package desk

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/journal"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/softctap"
)

// A pending message on Azurite becomes a key with a passkey and a result
// on fido2-results that Entra (the Graph double, verifying with
// go-webauthn, attestation enforced) registers; the PIN the desk set is in
// Key Vault and nowhere else; the PIN policy comes last.
func TestWriteRegistersInEntra(t *testing.T) {
	r := newRig(t)
	key := r.key(softctap.Options{Serial: "23456789"})
	r.op.offer(key)
	p := r.pending(nora, "nora.new@contoso.example")
	s := settings()
	s.PINLength = 12 // long enough that it cannot turn up by chance in base64 text

	sum, err := r.run(r.runner(s))
	if err != nil || sum.Written != 1 || sum.Failed != 0 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	res := r.results()
	if len(res) != 1 || res[0].UserID != nora || res[0].JobID != jobID || res[0].Workstation != "desk-1" {
		t.Fatalf("results %+v", res)
	}
	if res[0].DisplayName != "Softctap FIDO2 23456789" || res[0].Key.AAGUID == "" || res[0].Key.Model != "Softctap FIDO2" || res[0].Key.Serial != "23456789" {
		t.Errorf("display name %q, key %+v", res[0].DisplayName, res[0].Key)
	}
	status, body := r.register(res[0])
	if status != 201 || body["attestationLevel"] != "attested" {
		t.Fatalf("Entra refused the key: %d %v", status, body)
	}

	sec := r.secret(p)
	value := *sec.Value
	if len(value) != 12 || !key.PINIs(value) {
		t.Fatalf("the secret does not hold the key's PIN")
	}
	if tags := sec.Tags; *tags["userId"] != nora || *tags["purpose"] != "fido2-key-pin" || *tags["jobId"] != jobID || *tags["serial"] != "23456789" {
		t.Errorf("tags %v", sec.Tags)
	}
	if name := sec.ID.Name(); strings.Contains(name, "nora") || name != SecretName(jobID, p.Index) {
		t.Errorf("secret name %q", name)
	}
	if r.kvPuts.count() != 1 || !strings.Contains(r.kvPuts.puts[0].body, `"exp":`) {
		t.Errorf("Key Vault PUTs %d, first without an expiry", r.kvPuts.count())
	}
	if key.MinPINLength() != 6 || !key.ForcePINChange() {
		t.Errorf("PIN policy: min %d, forced change %v", key.MinPINLength(), key.ForcePINChange())
	}
	// Order on the key: PIN set before the credential, the policy after.
	calls := key.Calls()
	setPIN, mc := slices.Index(calls, "clientPIN setPIN"), indexWith(calls, "makeCredential")
	cfg := indexWith(calls, "authenticatorConfig")
	if setPIN < 0 || mc < setPIN || cfg < mc || !strings.Contains(calls[mc], "rk") || !strings.Contains(calls[mc], "ext=credProtect,hmac-secret") {
		t.Errorf("calls %q", calls)
	}
	if got := events(r.journalText()); !slices.Equal(got, []string{"written", "sent", "finalized", "done"}) {
		t.Errorf("journal events %q", got)
	}
	if n := r.count(r.queues.Pending); n != 0 {
		t.Errorf("%d pending messages left", n)
	}
	if !r.op.saw(PromptTouch) || !r.op.saw(PromptRemoveKey) {
		t.Errorf("prompts %v", r.op.prompts)
	}
	r.noLeak(value, res)
}

func indexWith(list []string, prefix string) int {
	return slices.IndexFunc(list, func(s string) bool { return strings.HasPrefix(s, prefix) })
}

func events(journalText string) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(journalText), "\n") {
		var e journal.Entry
		if json.Unmarshal([]byte(line), &e) == nil {
			out = append(out, e.Event)
		}
	}
	return out
}
