package sinktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/johannesboyne/gofakes3"

	"github.com/dqlabs/dq/engine/gluecatalog"
)

// FakeGlue speaks the Glue Data Catalog's JSON 1.1 protocol (X-Amz-Target
// AWSGlue.GetDatabase, GetTable, GetPartitions, with GetPartitions'
// Expression evaluated by gluecatalog's parser), for dq's Glue source in
// tests and in fakeaws.
type FakeGlue struct {
	Faults *Faults
	// PageSize is GetPartitions' page size; 0 = 100.
	PageSize int

	mu     sync.Mutex
	tables map[string]*GlueTable // by lower-cased db.table
	dbs    map[string]bool
	calls  []string
}

// GlueTable describes a catalog table as a crawler would create it.
type GlueTable struct {
	Database, Name string
	Columns        []GlueColumn // lower-cased, as crawlers write them
	PartitionKeys  []GlueColumn
	Location       string // s3://bucket/prefix/
	// Classification is parquet, csv, json (or orc, avro, … to test the
	// errors); InputFormat, SerDe and SerDeParams default to a crawler's.
	Classification string
	InputFormat    string
	SerDe          string
	SerDeParams    map[string]string
	Parameters     map[string]string // table parameters (projection.*, table_type, …)
	TableType      string            // "" = EXTERNAL_TABLE
	// Partitions are the catalogued partitions; AddTable discovers them
	// from k=v prefixes in S3 when nil, as a crawler does.
	Partitions []GluePartition
	// Target makes the table a resource link to another table (its
	// catalog ID is returned but not checked): GetTable answers with
	// TargetTable and no storage descriptor.
	Target *GlueTarget
}

// GlueTarget names a resource link's target table.
type GlueTarget struct{ CatalogID, Database, Name string }

// GlueColumn is a column name and Glue type.
type GlueColumn struct{ Name, Type string }

// GluePartition is one partition's values and location, and the
// statistics a crawler or ANALYZE leaves in its Parameters (totalSize,
// numRows, rawDataSize…).
type GluePartition struct {
	Values     []string
	Location   string
	Parameters map[string]string
	// InputFormat and SerDe, when set, are the partition's own storage
	// (a crawler records them per partition; they may differ from the
	// table's after a format change).
	InputFormat, SerDe string
}

// NewGlue returns an empty fake catalog.
func NewGlue() *FakeGlue {
	return &FakeGlue{Faults: &Faults{}, tables: map[string]*GlueTable{}, dbs: map[string]bool{}}
}

// AddTable adds t (and its database). With s3 set and t.Partitions nil,
// partitions are discovered from the k=v prefixes under t.Location.
func (g *FakeGlue) AddTable(t GlueTable, s3 *FakeS3) error {
	for i := range t.Columns {
		t.Columns[i].Name = strings.ToLower(t.Columns[i].Name)
	}
	for i := range t.PartitionKeys {
		t.PartitionKeys[i].Name = strings.ToLower(t.PartitionKeys[i].Name)
	}
	if t.Partitions == nil && len(t.PartitionKeys) > 0 && s3 != nil && !strings.EqualFold(t.Parameters["projection.enabled"], "true") {
		parts, err := crawlPartitions(s3, t.Location, t.PartitionKeys)
		if err != nil {
			return err
		}
		t.Partitions = parts
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.dbs[strings.ToLower(t.Database)] = true
	g.tables[strings.ToLower(t.Database+"."+t.Name)] = &t
	return nil
}

// Calls lists the operations served, e.g. "GetPartitions year='2024'".
func (g *FakeGlue) Calls() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.calls...)
}

func crawlPartitions(s3 *FakeS3, location string, keys []GlueColumn) ([]GluePartition, error) {
	rest := strings.TrimPrefix(location, "s3://")
	bucket, prefix, _ := strings.Cut(rest, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	list, err := s3.Backend.ListBucket(bucket, &gofakes3.Prefix{Prefix: prefix, HasPrefix: true}, gofakes3.ListBucketPage{})
	if err != nil {
		return nil, fmt.Errorf("crawling %s: %w", location, err)
	}
	seen := map[string]GluePartition{}
	for _, c := range list.Contents {
		segs := strings.Split(strings.TrimPrefix(c.Key, prefix), "/")
		if len(segs) <= len(keys) {
			continue
		}
		var vals []string
		for i, k := range keys {
			kk, v, ok := strings.Cut(segs[i], "=")
			if !ok || !strings.EqualFold(kk, k.Name) {
				vals = nil
				break
			}
			vals = append(vals, v)
		}
		if vals == nil {
			continue
		}
		dir := "s3://" + bucket + "/" + prefix + strings.Join(segs[:len(keys)], "/") + "/"
		seen[dir] = GluePartition{Values: vals, Location: dir}
	}
	var out []GluePartition
	for _, p := range seen {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Location < out[j].Location })
	return out, nil
}

func (g *FakeGlue) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.Faults.Wrap(http.HandlerFunc(g.serve)).ServeHTTP(w, r)
}

func (g *FakeGlue) serve(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue.")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var in struct {
		DatabaseName, Name, TableName, Expression, NextToken string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		glueError(w, "InvalidInputException", err.Error())
		return
	}
	g.mu.Lock()
	g.calls = append(g.calls, strings.TrimSpace(op+" "+in.Expression))
	g.mu.Unlock()
	switch op {
	case "GetDatabase":
		g.mu.Lock()
		ok := g.dbs[strings.ToLower(in.Name)]
		g.mu.Unlock()
		if !ok {
			glueError(w, "EntityNotFoundException", "Database "+in.Name+" not found.")
			return
		}
		writeJSON(w, map[string]any{"Database": map[string]any{"Name": in.Name}})
	case "GetTable":
		t := g.table(w, in.DatabaseName, in.Name)
		if t != nil {
			writeJSON(w, map[string]any{"Table": tableJSON(t)})
		}
	case "GetPartitions":
		t := g.table(w, in.DatabaseName, in.TableName)
		if t == nil {
			return
		}
		g.getPartitions(w, t, in.Expression, in.NextToken)
	default:
		glueError(w, "UnknownOperationException", "FakeGlue does not serve "+op)
	}
}

func (g *FakeGlue) table(w http.ResponseWriter, db, name string) *GlueTable {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.dbs[strings.ToLower(db)] {
		glueError(w, "EntityNotFoundException", "Database "+db+" not found.")
		return nil
	}
	t, ok := g.tables[strings.ToLower(db+"."+name)]
	if !ok {
		glueError(w, "EntityNotFoundException", "Table "+name+" not found.")
		return nil
	}
	return t
}

func (g *FakeGlue) getPartitions(w http.ResponseWriter, t *GlueTable, expr, next string) {
	var filter gluecatalog.Expr
	if expr != "" {
		var err error
		if filter, err = gluecatalog.ParseExpr(expr); err != nil {
			glueError(w, "InvalidInputException", err.Error())
			return
		}
	}
	numeric := map[string]bool{}
	for _, k := range t.PartitionKeys {
		switch strings.ToLower(k.Type) {
		case "int", "integer", "bigint", "smallint", "tinyint", "double", "float":
			numeric[k.Name] = true
		}
	}
	var match []GluePartition
	for _, p := range t.Partitions {
		if filter != nil {
			vals := map[string]string{}
			for i, k := range t.PartitionKeys {
				if i < len(p.Values) {
					vals[k.Name] = p.Values[i]
				}
			}
			ok, err := filter.Eval(vals, numeric)
			if err != nil {
				glueError(w, "InvalidInputException", err.Error())
				return
			}
			if !ok {
				continue
			}
		}
		match = append(match, p)
	}
	size := g.PageSize
	if size <= 0 {
		size = 100
	}
	start, _ := strconv.Atoi(next)
	end := min(start+size, len(match))
	out := map[string]any{}
	var parts []any
	for _, p := range match[min(start, len(match)):end] {
		sd := map[string]any{"Location": p.Location}
		if p.InputFormat != "" {
			sd["InputFormat"] = p.InputFormat
		}
		if p.SerDe != "" {
			sd["SerdeInfo"] = map[string]any{"SerializationLibrary": p.SerDe}
		}
		gp := map[string]any{
			"DatabaseName": t.Database, "TableName": t.Name, "Values": p.Values,
			"StorageDescriptor": sd,
		}
		if p.Parameters != nil {
			gp["Parameters"] = p.Parameters
		}
		parts = append(parts, gp)
	}
	out["Partitions"] = parts
	if end < len(match) {
		out["NextToken"] = strconv.Itoa(end)
	}
	writeJSON(w, out)
}

func tableJSON(t *GlueTable) map[string]any {
	cols := func(cs []GlueColumn) []any {
		out := []any{}
		for _, c := range cs {
			out = append(out, map[string]any{"Name": c.Name, "Type": c.Type})
		}
		return out
	}
	if t.Target != nil {
		return map[string]any{"Name": t.Name, "DatabaseName": t.Database, "TableType": "EXTERNAL_TABLE",
			"TargetTable": map[string]any{"CatalogId": t.Target.CatalogID, "DatabaseName": t.Target.Database, "Name": t.Target.Name}}
	}
	input, serde, sp := t.InputFormat, t.SerDe, t.SerDeParams
	params := map[string]string{}
	for k, v := range t.Parameters {
		params[k] = v
	}
	if t.Classification != "" {
		params["classification"] = t.Classification
	}
	switch strings.ToLower(t.Classification) {
	case "parquet":
		input = or(input, "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
		serde = or(serde, "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
	case "csv":
		input = or(input, "org.apache.hadoop.mapred.TextInputFormat")
		serde = or(serde, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe")
		if sp == nil {
			sp = map[string]string{"field.delim": ","}
		}
		if _, ok := params["skip.header.line.count"]; !ok {
			params["skip.header.line.count"] = "1"
		}
	case "json":
		input = or(input, "org.apache.hadoop.mapred.TextInputFormat")
		serde = or(serde, "org.openx.data.jsonserde.JsonSerDe")
	case "orc":
		input = or(input, "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat")
		serde = or(serde, "org.apache.hadoop.hive.ql.io.orc.OrcSerde")
	case "avro":
		input = or(input, "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat")
		serde = or(serde, "org.apache.hadoop.hive.serde2.avro.AvroSerDe")
	}
	return map[string]any{
		"Name": t.Name, "DatabaseName": t.Database, "TableType": or(t.TableType, "EXTERNAL_TABLE"),
		"Parameters": params, "PartitionKeys": cols(t.PartitionKeys),
		"StorageDescriptor": map[string]any{
			"Columns": cols(t.Columns), "Location": t.Location, "InputFormat": input,
			"SerdeInfo": map[string]any{"SerializationLibrary": serde, "Parameters": sp},
		},
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}

func glueError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "Message": msg})
}
