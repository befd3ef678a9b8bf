package engine

import (
	"slices"
	"testing"
)

func TestRelationLookup(t *testing.T) {
	cols := func(names ...string) []column {
		out := make([]column, len(names))
		for i, n := range names {
			out[i] = column{name: n, typ: "VARCHAR"}
		}
		return out
	}
	// DuckDB's read of a source with "code", "Code" and "CODE", plus a
	// genuine "amount"/"amount_1" pair that is not a rename.
	rel := newRelation("primary", "t", cols("code", "Code_1", "CODE_2", "amount", "amount_1", "Städte"))
	for _, c := range []struct {
		name, want, ref string
		ambiguous       int
	}{
		{name: "code", want: "code"},
		{name: "Code", want: "Code_1", ref: "Code"},
		{name: "CODE", want: "CODE_2", ref: "CODE"},
		{name: "Code_1", want: "Code_1"},
		{name: "cOdE", ambiguous: 3},
		{name: "amount", want: "amount"},
		{name: "amount_1", want: "amount_1"},
		{name: "AMOUNT_1", want: "amount_1", ref: "AMOUNT_1"},
		{name: "STÄDTE", want: "Städte", ref: "STÄDTE"},
	} {
		got, err := rel.lookup(c.name)
		if c.ambiguous > 0 {
			if err == nil || len(err.ambiguous) != c.ambiguous {
				t.Errorf("lookup(%q) = %+v, %+v; want %d ambiguous", c.name, got, err, c.ambiguous)
			}
			continue
		}
		if err != nil || got.name != c.want || got.ref != c.ref {
			t.Errorf("lookup(%q) = %+v, %+v; want %s (ref %q)", c.name, got, err, c.want, c.ref)
		}
	}
	if o := rel.columns[1].orig; o != "Code" {
		t.Errorf("Code_1 orig = %q", o)
	}
	if o := rel.columns[4].orig; o != "" {
		t.Errorf("amount_1 is a column of its own, got orig %q", o)
	}
}

func TestCloseNames(t *testing.T) {
	rel := newRelation("primary", "t", []column{{name: "salesrepemployeenumber"}, {name: "country"}, {name: "county"}, {name: "id"}, {name: "creditlimit"}})
	for name, want := range map[string][]string{
		"salesRepEmployeeNum": {"salesrepemployeenumber"},
		"sales":               {"salesrepemployeenumber"},
		"countyr":             {"county", "country"}, // closest first
		"Id_":                 {"id"},
		"zzzzzz":              nil,
		"idd":                 {"id"}, // one edit away is close even for short names
		"ab":                  nil,
	} {
		_, err := rel.lookup(name)
		if err == nil {
			t.Fatalf("lookup(%q) resolved", name)
		}
		if !slices.Equal(err.suggestion, want) {
			t.Errorf("closeNames(%q) = %q, want %q", name, err.suggestion, want)
		}
	}
	if d := editDistance("kitten", "sitting"); d != 3 {
		t.Errorf("editDistance = %d", d)
	}
}
