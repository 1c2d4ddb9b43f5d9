package mfareset

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/notify"
)

// The channel gets one metadata-only card per finished request, never the
// pass; a broken webhook is audited and does not undo the reset.
func TestChannelNoticeCarriesNoPass(t *testing.T) {
	var mu sync.Mutex
	var cards []string
	status := http.StatusAccepted
	hook := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		mu.Lock()
		cards = append(cards, string(b))
		s := status
		mu.Unlock()
		w.WriteHeader(s)
	}))
	defer hook.Close()
	r := newRig(t, graphdouble.Options{})
	r.worker.Channel = &notify.Teams{Client: hook.Client(),
		URL: func(context.Context) (string, error) { return hook.URL + "/workflows/x?sig=WEBHOOK-SECRET", nil }}

	q := r.newRequest(graphtest.Sam, graphtest.Mara)
	r.callout(q)
	r.drain()
	assertReset(t, r, q)
	if len(cards) != 1 || !strings.Contains(cards[0], q.ID) || !strings.Contains(cards[0], "succeeded") {
		t.Fatalf("cards: %v", cards)
	}
	if strings.Contains(cards[0], r.graph.Double.IssuedTAPs(graphtest.Sam)[0].Value) {
		t.Fatal("the pass reached the channel")
	}

	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	q2 := r.newRequest(graphtest.Gina, graphtest.Mara)
	r.callout(q2)
	r.drain()
	if rec := r.record(q2); rec.Step != StepDone {
		t.Errorf("a failing webhook held the request: %+v", rec)
	}
	logs := r.logs.String()
	if !strings.Contains(logs, "teams webhook: status 500") || strings.Contains(logs, "WEBHOOK-SECRET") {
		t.Errorf("want the webhook failure audited without its URL:\n%s", logs)
	}
}
