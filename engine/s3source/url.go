// Package s3source reads S3 objects for dq: a key, a prefix (every data
// file under it, Hive partitions as columns) or a glob, in Parquet, CSV
// (optionally compressed) or JSON. DuckDB in dq's build has no network
// extension, so this package fetches the bytes into a local cache and
// hands DuckDB local files.
//
// Parquet objects are fetched column by column: the footer first (one
// ranged GET), then only the column chunks of the columns the ruleset
// reads, written at their offsets into a sparse local file of the object's
// full size. DuckDB reads only projected columns, so it never touches the
// holes. CSV and JSON objects are fetched whole. The cache is keyed by
// bucket, key and ETag, so a second run over unchanged data fetches
// nothing; an object that changes between listing and reading is an
// error, never a mix of versions.
package s3source

import (
	"fmt"
	"path"
	"strings"
)

// Location is a parsed s3:// URL.
type Location struct {
	Bucket string
	Key    string // may be "", end in "/" (a prefix) or hold glob characters
}

// String is the canonical s3:// URL.
func (l Location) String() string { return "s3://" + l.Bucket + "/" + l.Key }

// IsS3 reports whether s is an s3:// URL (or s3a://, s3n://; the scheme
// ignoring case).
func IsS3(s string) bool {
	for _, scheme := range []string{"s3://", "s3a://", "s3n://"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			return true
		}
	}
	return false
}

// Parse reads s3://bucket/key. s3a:// and s3n:// (Hadoop spellings,
// common in Glue table locations) are accepted too.
func Parse(s string) (Location, error) {
	rest := ""
	for _, scheme := range []string{"s3://", "s3a://", "s3n://"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			rest = s[len(scheme):]
			break
		}
	}
	if rest == "" {
		return Location{}, fmt.Errorf("%q is not an s3://bucket/key URL", s)
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return Location{}, fmt.Errorf("%q names no bucket; want s3://bucket/key", s)
	}
	if strings.ContainsAny(bucket, "*?[") {
		return Location{}, fmt.Errorf("%q: a bucket name cannot be a glob", s)
	}
	return Location{Bucket: bucket, Key: key}, nil
}

func hasGlobMeta(p string) bool { return strings.ContainsAny(p, "*?[") }

// globParts splits a key with glob characters into the literal prefix to
// list and the pattern segments below it.
func globParts(key string) (prefix string, pattern []string, err error) {
	segs := strings.Split(key, "/")
	i := 0
	for i < len(segs) && !hasGlobMeta(segs[i]) {
		i++
	}
	prefix = strings.Join(segs[:i], "/")
	if prefix != "" {
		prefix += "/"
	}
	pattern = segs[i:]
	for _, seg := range pattern {
		if _, err := path.Match(seg, ""); err != nil {
			return "", nil, fmt.Errorf("bad glob pattern %q: %w", key, err)
		}
	}
	return prefix, pattern, nil
}

// hiddenRel reports a key (relative to the listed prefix) that lies in or
// is a bookkeeping entry writers leave beside data: _SUCCESS, .crc files,
// _temporary/ directories, "folder$" markers, unfinished ._COPYING_ copies. The local reader skips the
// same names.
func hiddenRel(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".") {
			return true
		}
	}
	// ._COPYING_ is a copy still in progress (hadoop fs -put to s3a://,
	// or one that died); Spark's file index skips it too.
	return strings.HasSuffix(rel, "_$folder$") || strings.HasSuffix(rel, "._COPYING_") || strings.HasSuffix(rel, "/") || rel == ""
}

// hiveDirs reports whether rel lies below a k=v directory.
func hiveDirs(rel string) bool {
	segs := strings.Split(rel, "/")
	for _, seg := range segs[:len(segs)-1] {
		if k, _, ok := strings.Cut(seg, "="); ok && k != "" {
			return true
		}
	}
	return false
}

// Hidden reports a relative key that readers skip: _SUCCESS, .crc files,
// anything under _temporary/ and other _ or . entries.
func Hidden(rel string) bool { return hiddenRel(rel) }
