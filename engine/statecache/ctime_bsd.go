//go:build darwin || freebsd

package statecache

import "syscall"

func ctimeNS(s *syscall.Stat_t) int64 { return int64(s.Ctimespec.Sec)*1e9 + int64(s.Ctimespec.Nsec) }

func mtimeNS(s *syscall.Stat_t) int64 { return int64(s.Mtimespec.Sec)*1e9 + int64(s.Mtimespec.Nsec) }
