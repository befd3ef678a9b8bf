package history

import (
	"errors"
	"path/filepath"
)

// DefaultPath is where dq keeps history when --history is not given:
// $XDG_DATA_HOME/dq/history.duckdb, or ~/.local/share/dq/history.duckdb
// (the XDG default). History is data the user would miss, not a cache,
// hence the data directory. getenv is os.Getenv outside tests.
func DefaultPath(getenv func(string) string) (string, error) {
	if d := getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "dq", "history.duckdb"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("cannot locate the history store: neither XDG_DATA_HOME nor HOME is set (use --history PATH)")
	}
	return filepath.Join(home, ".local", "share", "dq", "history.duckdb"), nil
}
