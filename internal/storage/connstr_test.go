package storage

import (
	"strings"
	"testing"
	"time"
)

func TestResolveConnectionString(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"shorthand", "UseDevelopmentStorage=true", []string{
			"AccountName=devstoreaccount1", "AccountKey=" + DevAccountKey,
			"QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;", "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;",
			"BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
		}},
		{"shorthand, any case and spacing", " usedevelopmentstorage = True ; ", []string{"QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"}},
		{"proxy keeps the emulator ports", "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://azurite:9999", []string{
			"QueueEndpoint=http://azurite:10001/devstoreaccount1;", "TableEndpoint=http://azurite:10002/devstoreaccount1;",
		}},
		{"explicit string unchanged", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net",
			[]string{"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveConnectionString(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
		})
	}
}

func TestResolveConnectionStringErrors(t *testing.T) {
	const key = "c2VjcmV0LWtleTEy"
	for _, in := range []string{"", " ; ", "AccountName=a;AccountKey:" + key, "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=not a url"} {
		_, err := ResolveConnectionString(in)
		if err == nil {
			t.Errorf("%q: want an error", in)
			continue
		}
		if strings.Contains(err.Error(), key) {
			t.Errorf("error leaks the key: %v", err)
		}
	}
}

// Every queue and table try is bounded: azcore's default is no bound, and
// a hung connection would hold an invocation until the host kills it.
func TestClientOptionsBoundEachTry(t *testing.T) {
	o := ClientOptions()
	if o.Retry.TryTimeout < 5*time.Second || o.Retry.TryTimeout > time.Minute {
		t.Errorf("TryTimeout %v: want a bound between 5 s and a minute", o.Retry.TryTimeout)
	}
}
