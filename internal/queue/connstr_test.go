package queue

import (
	"strings"
	"testing"
)

func TestServiceClient(t *testing.T) {
	c, err := ServiceClient("UseDevelopmentStorage=true")
	if err != nil {
		t.Fatal(err)
	}
	if c.URL() != "http://127.0.0.1:10001/devstoreaccount1/" {
		t.Fatalf("url %s", c.URL())
	}
	if _, err := ServiceClient("AccountName=x"); err == nil {
		t.Fatal("want an error without a key or SAS")
	}
}

func TestServiceClientWithCredential(t *testing.T) {
	if _, err := ServiceClientWithCredential("http://acct.queue.core.windows.net", fakeCred{}); err == nil {
		t.Error("plain http must be refused")
	}
	if _, err := ServiceClientWithCredential("https://acct.queue.core.windows.net", nil); err == nil {
		t.Error("a nil credential must be refused")
	}
	c, err := ServiceClientWithCredential("https://acct.queue.core.windows.net/", fakeCred{})
	if err != nil || !strings.HasPrefix(c.URL(), "https://acct.queue.core.windows.net") {
		t.Fatalf("got %v %v", c, err)
	}
}
