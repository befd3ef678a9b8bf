package parquetstats

import (
	"path/filepath"
	"testing"
)

// TestSchemaFingerprint: files that a reader types alike share a
// fingerprint whatever their rows, row groups and statistics; a change of
// any name, type, nullability, decimal scale, column order or key/value
// metadata changes it.
func TestSchemaFingerprint(t *testing.T) {
	db := duck(t)
	dir := t.TempDir()
	write := func(name, query, opts string) string {
		p := filepath.Join(dir, name+".parquet")
		exec(t, db, `COPY (`+query+`) TO '`+p+`' (FORMAT parquet`+opts+`)`)
		return p
	}
	base := `SELECT CAST(i AS BIGINT) AS id, CAST(i * 1.5 AS DOUBLE) AS x, 'é' || i AS s, CAST(i AS DECIMAL(10,2)) AS d`
	paths := []string{
		write("a", base+` FROM range(10) t(i)`, ""),
		write("same", base+` FROM range(5000, 9000) t(i)`, ", ROW_GROUP_SIZE 2048"),
		write("int", `SELECT CAST(i AS INTEGER) AS id, CAST(i * 1.5 AS DOUBLE) AS x, 'é' || i AS s, CAST(i AS DECIMAL(10,2)) AS d FROM range(10) t(i)`, ""),
		write("name", `SELECT CAST(i AS BIGINT) AS "ID", CAST(i * 1.5 AS DOUBLE) AS x, 'é' || i AS s, CAST(i AS DECIMAL(10,2)) AS d FROM range(10) t(i)`, ""),
		write("scale", `SELECT CAST(i AS BIGINT) AS id, CAST(i * 1.5 AS DOUBLE) AS x, 'é' || i AS s, CAST(i AS DECIMAL(10,3)) AS d FROM range(10) t(i)`, ""),
		write("order", `SELECT CAST(i * 1.5 AS DOUBLE) AS x, CAST(i AS BIGINT) AS id, 'é' || i AS s, CAST(i AS DECIMAL(10,2)) AS d FROM range(10) t(i)`, ""),
		write("kv", base+` FROM range(10) t(i)`, ", KV_METADATA {origin: 'nightly'}"),
		write("kv2", base+` FROM range(10) t(i)`, ", KV_METADATA {origin: 'hourly'}"),
	}
	files := summaries(t, paths)
	fp := map[string]string{}
	for i, f := range files {
		if f.Schema == "" {
			t.Fatalf("%s: no fingerprint", paths[i])
		}
		fp[filepath.Base(paths[i])] = f.Schema
	}
	if fp["a.parquet"] != fp["same.parquet"] {
		t.Errorf("same columns, other rows and row groups: fingerprints differ")
	}
	seen := map[string]string{}
	for _, name := range []string{"a", "int", "name", "scale", "order", "kv", "kv2"} {
		f := fp[name+".parquet"]
		if prev, dup := seen[f]; dup {
			t.Errorf("%s and %s share a fingerprint", prev, name)
		}
		seen[f] = name
	}
}
