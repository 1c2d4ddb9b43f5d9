package azurite

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue/queueerror"
)

// Peek returns the texts of up to 32 messages waiting on the named queue,
// as stored, without taking them. A queue not created yet holds none; any
// other error fails tb.
func Peek(tb testing.TB, svc *azqueue.ServiceClient, name string) []string {
	tb.Helper()
	n := int32(32)
	resp, err := svc.NewQueueClient(name).PeekMessages(context.Background(), &azqueue.PeekMessagesOptions{NumberOfMessages: &n})
	if queueerror.HasCode(err, queueerror.QueueNotFound) {
		return nil
	}
	if err != nil {
		tb.Fatalf("peek %s: %v", name, err)
	}
	out := make([]string, 0, len(resp.Messages))
	for _, m := range resp.Messages {
		out = append(out, *m.MessageText)
	}
	return out
}

// PeekDecoded is Peek with each text followed by its base64 decoding (what
// decodes of it), for asserting what a message carries in either form.
func PeekDecoded(tb testing.TB, svc *azqueue.ServiceClient, name string) []string {
	tb.Helper()
	var out []string
	for _, text := range Peek(tb, svc, name) {
		raw, _ := base64.StdEncoding.DecodeString(text)
		out = append(out, text, string(raw))
	}
	return out
}
