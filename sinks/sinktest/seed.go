package sinktest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Lake is a seed for FakeAWS: objects to put into S3 and Glue tables to
// catalog (testdata/glue/lake.json).
type Lake struct {
	Objects []struct {
		Bucket, Key string
		File        string // relative to the seed file; "" = empty object
	}
	Tables []GlueTable
}

// SeedLake loads the seed file at path into f's S3 and Glue: objects
// first, then tables, whose partitions are crawled from the objects.
func SeedLake(f *FakeAWS, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var lake Lake
	if err := json.Unmarshal(b, &lake); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	for _, o := range lake.Objects {
		var data []byte
		if o.File != "" {
			if data, err = os.ReadFile(filepath.Join(dir, o.File)); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		f.S3.Put(o.Bucket, o.Key, data)
	}
	for _, t := range lake.Tables {
		if err := f.Glue.AddTable(t, f.S3); err != nil {
			return fmt.Errorf("%s: table %s.%s: %w", path, t.Database, t.Name, err)
		}
	}
	return nil
}
