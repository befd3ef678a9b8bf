package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeFileAtomic writes data to path so that a reader (or a crash) sees
// either the old content or the new, never a partial file: it writes a
// temporary file in the same directory (rename is atomic only within one
// file system) and renames it over path. An existing file keeps its mode
// and a symlink keeps pointing at its (rewritten) target; a new file is
// 0644, ordinary output that other tools in a pipeline read. Devices and
// pipes are written in place.
func writeFileAtomic(path string, data []byte) (err error) {
	// The absolute path first, as the check against inputs (outputs.go)
	// and the row-level writer see it: "link/../x" is then x beside link,
	// whatever link points to.
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	target, mode := path, os.FileMode(0o644)
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		fi, err := os.Stat(resolved)
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return fmt.Errorf("%s is a directory", path)
		}
		if !fi.Mode().IsRegular() {
			// A device or pipe (/dev/null, /dev/stdout, a FIFO) cannot be
			// replaced by a rename; it is written in place.
			return writeInPlace(resolved, data)
		}
		target, mode = resolved, fi.Mode().Perm()
	} else if !os.IsNotExist(err) {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".dq-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}

func writeInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
