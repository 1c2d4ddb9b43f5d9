// Command package assembles the deployable Function App: dist/ holds
// host.json, one folder per function (the host only looks one level down,
// so functions/<Name>/ is flattened to <Name>/), and the handler binary
// built for Linux x64 without cgo; dist.zip holds dist/'s contents with the
// handler's executable bit kept, ready for zip deploy.
//
//	go run ./tools/package [-root .] [-out dist]
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
)

func main() {
	root := flag.String("root", ".", "repository root")
	out := flag.String("out", "dist", "output folder (the zip is written beside it as <out>.zip)")
	flag.Parse()
	if err := run(*root, *out); err != nil {
		slog.Error("package failed", "err", err)
		os.Exit(1)
	}
}

func run(root, out string) error {
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(out, "handler")
	if err := buildHandler(root, bin); err != nil {
		return err
	}
	if err := Assemble(root, out); err != nil {
		return err
	}
	zipPath := filepath.Clean(out) + ".zip"
	if err := Zip(out, zipPath); err != nil {
		return err
	}
	fmt.Printf("packaged %s and %s\n", out, zipPath)
	return nil
}

// buildHandler cross-compiles the handler as the Functions Linux workers
// run it: static (no cgo, so no dependency on the image's glibc) and with
// paths trimmed.
func buildHandler(root, bin string) error {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", abs, "./handler")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build handler: %w", err)
	}
	return os.Chmod(abs, 0o755)
}
