// Command logscan scans log files for anything shaped like a secret
// (logtest.ScanPatterns): JWTs, SigV4 signatures, secret access keys and
// session tokens next to their names, long base64 runs, PEM private keys.
// scripts/test.sh runs it over the logs of a whole test run.
//
// Usage: go run ./internal/logtest/logscan PATH...
//
// Each PATH is a file or a directory (scanned recursively; every regular
// file). It prints one line per finding, never the secret itself, and
// exits 1 if there was any, 2 on a usage or read error.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/trustbridge/trustbridge/internal/logtest"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(paths []string) int {
	if len(paths) == 0 {
		fmt.Fprintln(os.Stderr, "usage: logscan PATH...")
		return 2
	}
	files, found := 0, 0
	for _, root := range paths {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			for _, f := range logtest.ScanPatterns(path, string(b)) {
				fmt.Println(f)
				found++
			}
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "logscan:", err)
			return 2
		}
	}
	fmt.Printf("logscan: %d files, %d findings\n", files, found)
	if found > 0 {
		return 1
	}
	return 0
}
