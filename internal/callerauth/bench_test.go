package callerauth_test

import (
	"context"
	"testing"
)

// BenchmarkVerify measures one verification with the keys already cached:
// the per-request cost on the callout's hot path.
func BenchmarkVerify(b *testing.B) {
	f := newFixture(b)
	v := f.verifier(b)
	header := bearer(f.srv.Issue(good("2.0")))
	ctx := context.Background()
	if _, err := v.Verify(ctx, header); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, header); err != nil {
			b.Fatal(err)
		}
	}
}
