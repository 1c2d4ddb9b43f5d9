package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// The repository's own host.json and function folders assemble into the
// flat layout the Functions host discovers, and the zip keeps the exec bit.
func TestAssembleAndZip(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// Stand-in for the cross-compiled binary; building it is `make package`.
	if err := os.WriteFile(filepath.Join(out, "handler"), []byte("#!/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Assemble("../..", out); err != nil {
		t.Fatal(err)
	}
	fns, _ := filepath.Glob("../../functions/*/function.json")
	if len(fns) == 0 {
		t.Fatal("no function.json in the repository")
	}
	for _, fn := range fns {
		name := filepath.Base(filepath.Dir(fn))
		if _, err := os.Stat(filepath.Join(out, name, "function.json")); err != nil {
			t.Errorf("function %s not flattened into dist: %v", name, err)
		}
	}
	zipPath := out + ".zip"
	if err := Zip(out, zipPath); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "handler" && f.Mode()&0o111 == 0 {
			t.Errorf("handler lost its executable bit: %v", f.Mode())
		}
	}
	sort.Strings(names)
	want := map[string]bool{"host.json": false, "handler": false}
	for _, n := range names {
		if _, ok := want[n]; ok {
			want[n] = true
		}
	}
	for n, found := range want {
		if !found {
			t.Errorf("zip lacks %s at its root; has %v", n, names)
		}
	}
}
