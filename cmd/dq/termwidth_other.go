//go:build !unix

package main

import "io"

// ttyWidth is the width of the terminal w writes to, 0 when unknown.
func ttyWidth(io.Writer) int { return 0 }
