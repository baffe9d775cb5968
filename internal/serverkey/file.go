package serverkey

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// maxFileSize bounds the key file read (a ring of hundreds of keys fits).
const maxFileSize = 1 << 20

// Load reads the key file at path.
func Load(path string) (*Ring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("server key file %s is not a regular file", path)
	}
	if st.Size() > maxFileSize {
		return nil, fmt.Errorf("server key file %s is larger than %d bytes", path, maxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read server key file %s: %w", path, err)
	}
	r, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("server key file %s: %w", path, err)
	}
	return r, nil
}

// LoadOrCreate loads the key file at path, or, if it does not exist,
// generates a ring with one key and writes it there with mode 0600
// (creating the directory with mode 0700 if needed). When several replicas
// start at once on a shared volume exactly one file wins and all of them
// load it: the new file is written under a temporary name and linked into
// place only if path still does not exist.
func LoadOrCreate(path string) (*Ring, error) {
	r, err := Load(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return r, err
	}
	r, err = Generate()
	if err != nil {
		return nil, err
	}
	data, err := r.Marshal()
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create server key directory: %w", err)
	}
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	switch err := os.Link(tmp, path); {
	case err == nil:
		return r, syncDir(dir)
	case errors.Is(err, fs.ErrExist):
		return Load(path) // another replica won the race
	}
	// The file system cannot hard-link: fall back to an exclusive create.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return Load(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create server key file: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("write server key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("write server key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write server key file: %w", err)
	}
	return r, nil
}

// Save writes the ring to path atomically (temporary file, fsync, rename)
// with mode 0600, replacing any existing file.
func (r *Ring) Save(path string) error {
	data, err := r.Marshal()
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replace server key file: %w", err)
	}
	return syncDir(dir)
}

// writeTemp writes data to a new 0600 file in dir and returns its name.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".serverkey-*.tmp")
	if err != nil {
		return "", fmt.Errorf("write server key file: %w", err)
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("write server key file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", fmt.Errorf("write server key file: %w", err)
	}
	return name, nil
}

// syncDir makes a new directory entry durable; failures on file systems
// that cannot fsync a directory are ignored.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	_ = d.Sync()
	return d.Close()
}
