package callout

import "testing"

// BenchmarkParse measures one full callout: the work on the acknowledgement
// path Entra times at 1 s by default.
func BenchmarkParse(b *testing.B) {
	body := fixture(b, "approved.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}
