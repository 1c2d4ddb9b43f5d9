package azurite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// InstallHint tells a developer how to get Azurite.
const InstallHint = "install it with: npm ci --prefix tools (or set AZURITE_BIN)"

// ErrNotInstalled is returned when no azurite executable is found.
var ErrNotInstalled = errors.New("azurite not found; " + InstallHint)

// binRel is where npm puts the executable, relative to the repository root.
var binRel = filepath.Join("tools", "node_modules", ".bin", "azurite")

// findBinary returns $AZURITE_BIN, or tools/node_modules/.bin/azurite in
// the working directory or the nearest parent holding it, stopping at the
// repository root (the first directory with a go.mod): tests run in their
// package directory.
func findBinary() (string, error) {
	if p := os.Getenv("AZURITE_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("AZURITE_BIN=%s: %w", p, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find azurite: %w", err)
	}
	for {
		p := filepath.Join(dir, binRel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return "", fmt.Errorf("%w (looked in %s)", ErrNotInstalled, filepath.Join(dir, binRel))
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNotInstalled
		}
		dir = parent
	}
}
