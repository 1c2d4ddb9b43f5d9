package graphdouble

import (
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
)

func tapPath(user string) string {
	return "/v1.0/users/" + user + "/authentication/temporaryAccessPassMethods"
}

func TestTAPCreateReturnsValueOnce(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.expect(f.do("POST", tapPath(noraID), map[string]any{"lifetimeInMinutes": 60, "isUsableOnce": true}), 201)
	value := r.str("temporaryAccessPass")
	if len(value) != 8 || r.body["isUsable"] != true || r.str("methodUsabilityReason") != "EnabledByPolicy" ||
		r.body["lifetimeInMinutes"] != float64(60) || r.body["isUsableOnce"] != true ||
		r.str("@odata.type") != "#microsoft.graph.temporaryAccessPassAuthenticationMethod" {
		t.Fatalf("created: %d-char pass, %v", len(value), r.body["methodUsabilityReason"])
	}
	got := f.expect(f.do("GET", tapPath(noraID)+"/"+r.str("id"), nil), 200)
	if v, present := got.body["temporaryAccessPass"]; !present || v != nil {
		t.Errorf("GET leaks or omits the pass: %v", v)
	}
	issued := f.d.IssuedTAPs(noraID)
	if len(issued) != 1 || issued[0].Value != value || issued[0].ID != r.str("id") {
		t.Errorf("issued record mismatch")
	}
}

func TestTAPReplacesExisting(t *testing.T) {
	f := newFixture(t, Options{})
	first := f.expect(f.do("POST", tapPath(noraID), map[string]any{}), 201)
	second := f.expect(f.do("POST", tapPath(noraID), map[string]any{"lifetimeInMinutes": 120}), 201)
	list := f.expect(f.do("GET", tapPath(noraID), nil), 200).values()
	if len(list) != 1 || list[0]["id"] != second.str("id") {
		t.Errorf("after replace: %v", list)
	}
	f.expect(f.do("GET", tapPath(noraID)+"/"+first.str("id"), nil), 404)
	issued := f.d.IssuedTAPs(noraID)
	if len(issued) != 2 || !issued[0].Replaced || issued[1].Replaced {
		t.Errorf("history: %+v", issued)
	}
	f.expect(f.do("DELETE", tapPath(noraID)+"/"+second.str("id"), nil), 204)
	if issued := f.d.IssuedTAPs(noraID); !issued[1].Deleted {
		t.Errorf("delete not recorded")
	}
}

func TestTAPLifetimeBounds(t *testing.T) {
	f := newFixture(t, Options{})
	for _, n := range []int{9, 481, 43201} {
		r := f.expect(f.do("POST", tapPath(noraID), map[string]any{"lifetimeInMinutes": n}), 400)
		if r.errorMessage() != "Invalid LifetimeInMinutes specified. The valid range between 10 and 480." {
			t.Errorf("%d: %q", n, r.errorMessage())
		}
	}
	f.expect(f.do("POST", tapPath(noraID), map[string]any{"lifetimeInMinutes": 10}), 201)
	f.expect(f.do("POST", tapPath(noraID), map[string]any{"lifetimeInMinutes": "60"}), 400)
	f.expect(f.do("POST", tapPath(noraID), map[string]any{"lifetimeInMinutes": 60.5}), 400)
	f.Update(func(t *Tenant) { t.TAPPolicy.MaximumLifetimeInMinutes = 50000 })
	f.expect(f.do("POST", tapPath(noraID), map[string]any{"lifetimeInMinutes": 43200}), 201)
	f.expect(f.do("POST", tapPath(noraID), map[string]any{"lifetimeInMinutes": 43201}), 400)
	if n := len(f.d.IssuedTAPs(noraID)); n != 2 {
		t.Errorf("refused requests minted passes: %d", n)
	}
}

func (f *fixture) Update(fn func(*Tenant)) { f.d.Update(fn) }

func TestTAPUsabilityOverTime(t *testing.T) {
	clk := clock.New(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	f := newFixture(t, Options{Now: clk.Now})
	start := clk.Now().Add(time.Hour).Format(time.RFC3339)
	r := f.expect(f.do("POST", tapPath(noraID), map[string]any{"startDateTime": start, "lifetimeInMinutes": 60}), 201)
	if r.body["isUsable"] != false || r.str("methodUsabilityReason") != "NotYetValid" {
		t.Errorf("future pass: %s", r.raw)
	}
	clk.Advance(3 * time.Hour)
	got := f.expect(f.do("GET", tapPath(noraID)+"/"+r.str("id"), nil), 200)
	if got.str("methodUsabilityReason") != "Expired" {
		t.Errorf("old pass: %s", got.raw)
	}
}
