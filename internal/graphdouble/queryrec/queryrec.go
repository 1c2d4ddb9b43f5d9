// Package queryrec keeps testdata/product-queries.txt, the recording of
// every query shape our code sends to Graph, honest: a test that makes the
// double serve a shape missing from the recording fails, and
// `make graph-queries` (GRAPHDOUBLE_RECORD_QUERIES set) rewrites the
// recording from the whole test suite instead. The graphdouble tests then
// check each recorded shape against Graph's documented query rules.
package queryrec

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

// RecordEnv names the file shapes are appended to instead of checked.
const RecordEnv = "GRAPHDOUBLE_RECORD_QUERIES"

// Path is the committed recording.
func Path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "product-queries.txt")
}

var (
	once     sync.Once
	recorded []string
	readErr  error
	appendMu sync.Mutex
)

// Watch checks, when t ends, that every query shape d served is in the
// recording (or appends them to $GRAPHDOUBLE_RECORD_QUERIES).
func Watch(t testing.TB, d *graphdouble.Double) {
	t.Cleanup(func() {
		if out := os.Getenv(RecordEnv); out != "" {
			appendShapes(t, out, d.QueryShapes())
			return
		}
		once.Do(func() { recorded, readErr = graphdouble.ReadShapes(Path()) })
		if readErr != nil {
			t.Errorf("read the recorded Graph queries: %v", readErr)
			return
		}
		if missing := d.UnrecordedShapes(recorded); len(missing) > 0 {
			t.Errorf("Graph queries not in %s (run `make graph-queries` and review the diff):\n  %s",
				filepath.Base(Path()), strings.Join(missing, "\n  "))
		}
	})
}

func appendShapes(t testing.TB, path string, shapes []string) {
	if len(shapes) == 0 {
		return
	}
	appendMu.Lock()
	defer appendMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("record Graph queries: %v", err)
		return
	}
	defer f.Close()
	// One write per test: O_APPEND keeps lines from parallel test
	// processes whole.
	if _, err := f.WriteString(strings.Join(shapes, "\n") + "\n"); err != nil {
		t.Errorf("record Graph queries: %v", err)
	}
}
