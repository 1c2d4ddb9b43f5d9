package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/softkey"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/sandbox"
)

const allStaff = "20000000-0000-4000-8000-000000000005" // nora, mara, sam

// fido2Call invokes Fido2Jobs through the host with the admin tool's token.
func fido2Call(t testing.TB, sb *sandbox.Sandbox, sim *hostsim.Sim, method, path string, body any) *hostsim.Response {
	t.Helper()
	raw, _ := json.Marshal(body)
	h := http.Header{"Content-Type": {"application/json"}, "X-Functions-Key": {testFunctionKey},
		"Authorization": {"Bearer " + sb.TokenFor(sandbox.AdminAppID)}}
	resp, err := sim.HTTP(context.Background(), "Fido2Jobs", hostsim.Request{Method: method, Path: path, Headers: h, Body: raw})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// enableFido2 turns on the FIDO2 method policy with self-service setup,
// which Graph's provisioning API requires.
func enableFido2(d *graphdouble.Double) {
	d.Update(func(t *graphdouble.Tenant) {
		t.Setup.Fido2 = graphdouble.Fido2Policy{Enabled: true, SelfServiceRegistration: true}
	})
}

// The whole bulk-enrollment loop through the real binary: a job over
// HTTP, its expansion, a software key at the desk, the registrations, and
// the job's status saying so.
func TestE2EFido2Enrollment(t *testing.T) {
	e := startE2E(t, nil)
	enableFido2(e.sb.Graph)
	resp := fido2Call(t, e.sb, e.sim, "POST", "fido2/jobs", map[string]any{"groupId": allStaff, "challengeTimeoutMinutes": 60})
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST: %d %s", resp.StatusCode, resp.Body)
	}
	var job struct{ JobID string }
	_ = json.Unmarshal(resp.Body, &job)
	if res, err := e.sim.DrainQueue(context.Background(), "Fido2Job", hostsim.DrainOptions{}); err != nil || res.Failed != 0 {
		t.Fatalf("expansion: %+v %v", res, err)
	}
	key, err := softkey.New(softkey.Options{})
	if err != nil {
		t.Fatal(err)
	}
	qs, err := queue.ServiceClient(e.az.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	written := desk(t, qs, key)
	if written != 3 {
		t.Fatalf("the desk wrote %d keys, want 3", written)
	}
	if res, err := e.sim.DrainQueue(context.Background(), "Fido2Register", hostsim.DrainOptions{}); err != nil || res.Failed != 0 {
		t.Fatalf("registration: %+v %v", res, err)
	}
	st := fido2Call(t, e.sb, e.sim, "GET", "fido2/jobs/"+job.JobID, nil)
	var status fido2.Status
	if err := json.Unmarshal(st.Body, &status); err != nil || status.Counts.Registered != 3 || status.Counts.Total != 3 {
		t.Fatalf("status %d %s", st.StatusCode, st.Body)
	}
	if out := e.proc.Stdout(); strings.Count(out, `"action":"fido2.register"`) != 3 {
		t.Errorf("want one registration audit event per key in:\n%s", out)
	}
}

// desk plays tools/keywriter: every pending message becomes a key and a
// result. It returns how many keys it wrote.
func desk(t testing.TB, qs *azqueue.ServiceClient, key *softkey.Key) int {
	t.Helper()
	ctx := context.Background()
	q := qs.NewQueueClient(fido2msg.QueuePending)
	n := 0
	for {
		res, err := q.DequeueMessage(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			return n
		}
		m := res.Messages[0]
		var p fido2msg.Pending
		if err := fido2msg.DecodeText(*m.MessageText, fido2msg.TypePending, &p); err != nil {
			t.Fatal(err)
		}
		c, err := key.Register(p.CreationOptions)
		if err != nil {
			t.Fatal(err)
		}
		b64 := base64.RawURLEncoding.EncodeToString
		text, err := fido2msg.Encode(fido2msg.NewResult(fido2msg.Result{
			JobID: p.JobID, UserID: p.User.ID, DisplayName: "Soft Key 0001", WrittenAt: time.Now(),
			Credential: fido2msg.Credential{ID: b64(c.ID), ClientDataJSON: b64(c.ClientDataJSON), AttestationObject: b64(c.AttestationObject)},
		}))
		if err != nil {
			t.Fatal(err)
		}
		if err := queue.EnqueueText(ctx, qs, fido2msg.QueueResults, text); err != nil {
			t.Fatal(err)
		}
		if _, err := q.DeleteMessage(ctx, *m.MessageID, *m.PopReceipt, nil); err != nil {
			t.Fatal(err)
		}
		n++
	}
}

// BenchmarkFido2JobMemory expands groups of 10,000 and 50,000 members in
// the real binary and reports its peak resident memory (VmHWM): a page at
// a time, it should not grow with the group.
func BenchmarkFido2JobMemory(b *testing.B) {
	for _, n := range []int{10000, 50000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			var peakMB float64
			for b.Loop() {
				peakMB = expandInBinary(b, n)
			}
			b.ReportMetric(peakMB, "peak-MB")
		})
	}
}

func expandInBinary(b *testing.B, n int) float64 {
	seed, err := graphdouble.LoadSeed("../internal/graphdouble/testdata/tenant.json")
	if err != nil {
		b.Fatal(err)
	}
	const group = "74000000-0000-4000-8000-000000000000"
	g := &graphdouble.Group{ID: group, DisplayName: "Everyone", SecurityEnabled: true}
	for i := range n {
		id := fmt.Sprintf("75000000-0000-4000-8000-%012d", i)
		seed.Users = append(seed.Users, &graphdouble.User{ID: id, UserPrincipalName: fmt.Sprintf("u%06d@contoso.example", i),
			DisplayName: "U" + strconv.Itoa(i), AccountEnabled: true, UserType: "Member"})
		g.Members = append(g.Members, id)
	}
	seed.Groups = append(seed.Groups, g)
	sb, err := sandbox.StartTenant(seed, graphdouble.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	enableFido2(sb.Graph)
	az := azurite.ForTest(b)
	in := startInstance(b, handlerBinary(b), sb.HandlerEnv(az.ConnectionString()), az)
	defer in.proc.Stop()
	resp := fido2Call(b, sb, in.sim, "POST", "fido2/jobs", map[string]any{"groupId": group, "includeProtected": true})
	if resp.StatusCode != http.StatusAccepted {
		b.Fatalf("POST: %d %s", resp.StatusCode, resp.Body)
	}
	for {
		// A failed invocation comes back, as with the host; only the end
		// state counts.
		res, err := in.sim.DrainQueue(context.Background(), "Fido2Job", hostsim.DrainOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if res.Failed != 0 {
			b.Logf("%d invocations failed and were retried: %v", res.Failed, res.Errors)
		}
		if res.Invocations == 0 {
			break
		}
	}
	if got := queueLength(b, az, fido2msg.QueuePending); got != n {
		b.Fatalf("%d pending, want %d", got, n)
	}
	return peakRSS(b, in.proc.Pid())
}

// peakRSS reads a process's high-water resident set (Linux), in MB.
func peakRSS(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmHWM")
	return 0
}
