//go:build unix

package main

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// ttyWidth is the width of the terminal w writes to, 0 when unknown.
func ttyWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
