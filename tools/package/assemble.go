package main

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Assemble copies host.json and flattens functions/<Name>/function.json to
// <out>/<Name>/function.json.
func Assemble(root, out string) error {
	if err := copyFile(filepath.Join(root, "host.json"), filepath.Join(out, "host.json"), 0o644); err != nil {
		return err
	}
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return fmt.Errorf("read functions: %w", err)
	}
	n := 0
	for _, e := range entries {
		src := filepath.Join(root, "functions", e.Name(), "function.json")
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(src); err != nil {
			return fmt.Errorf("function folder %s has no function.json", e.Name())
		}
		if err := copyFile(src, filepath.Join(out, e.Name(), "function.json"), 0o644); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no functions under %s", filepath.Join(root, "functions"))
	}
	return nil
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Zip writes dir's contents (not dir itself) to zipPath, keeping each
// file's Unix mode: a handler without its executable bit fails to start on
// Linux Dedicated and Premium plans.
func Zip(dir, zipPath string) error {
	f, err := os.Create(zipPath)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	walkErr := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return addFile(zw, dir, path)
	})
	if err := zw.Close(); err != nil && walkErr == nil {
		walkErr = err
	}
	if err := f.Close(); err != nil && walkErr == nil {
		walkErr = err
	}
	return walkErr
}

func addFile(zw *zip.Writer, dir, path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return err
	}
	hdr, err := zip.FileInfoHeader(info)
	if err != nil {
		return err
	}
	hdr.Name = filepath.ToSlash(rel)
	hdr.Method = zip.Deflate
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = io.Copy(w, in)
	return err
}
