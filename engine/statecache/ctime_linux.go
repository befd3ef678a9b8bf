//go:build linux

package statecache

import "syscall"

func ctimeNS(s *syscall.Stat_t) int64 { return s.Ctim.Sec*1e9 + s.Ctim.Nsec }

func mtimeNS(s *syscall.Stat_t) int64 { return s.Mtim.Sec*1e9 + s.Mtim.Nsec }
