// Package logcapture records slog output in memory, so tests can assert
// what was logged and, above all, what never is (tokens, secrets).
package logcapture

import (
	"bytes"
	"log/slog"
	"sync"
)

// Buffer is an io.Writer safe for the concurrent writes a logger makes.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// New returns a JSON logger at level writing into a new Buffer.
func New(level slog.Level) (*slog.Logger, *Buffer) {
	b := &Buffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: level})), b
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything logged so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
