package dqdl_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
)

// FuzzParse checks, for any input: Parse never panics; a failure is a
// well-formed ErrorList and no ruleset; a success prints canonical text that
// re-parses without warnings, prints identically (idempotence) and yields
// the same AST modulo positions; parsing is deterministic.
//
//	go test ./dqdl/ -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	for _, c := range confValidCases {
		f.Add(c.in)
	}
	for _, c := range confErrorCases {
		f.Add(c.in)
	}
	for _, src := range confRoundTripOnly {
		f.Add(src)
	}
	f.Add(confBenchRuleset(50))
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<16 {
			return
		}
		rs, err := dqdl.Parse("fuzz.dqdl", src)
		if err != nil {
			if rs != nil {
				t.Fatalf("Parse returned a ruleset together with an error")
			}
			list, ok := err.(dqdl.ErrorList)
			if !ok {
				t.Fatalf("error is %T, want dqdl.ErrorList: %v", err, err)
			}
			confCheckDiagnostics(t, src, "fuzz.dqdl", list)
			hasError := false
			for _, d := range list {
				hasError = hasError || d.Severity == dqdl.SeverityError
			}
			if !hasError {
				t.Fatalf("Parse failed with warnings only: %v", list)
			}
			return
		}
		if rs == nil {
			t.Fatalf("Parse returned neither a ruleset nor an error")
		}
		for _, w := range rs.Warnings {
			if w.Severity != dqdl.SeverityWarning {
				t.Fatalf("ruleset warning with severity %v: %v", w.Severity, w)
			}
		}
		s1 := rs.String()
		// Formatting never deletes text: every comment survives, and so
		// does the text Glue ignores after the last section.
		for _, c := range rs.Comments {
			if !strings.Contains(s1, c.Text) {
				t.Fatalf("comment %q lost\ninput: %q\ncanonical:\n%s", c.Text, src, s1)
			}
		}
		if rs.Trailing != "" && !strings.Contains(s1, rs.Trailing) {
			t.Fatalf("trailing text %q lost\ninput: %q\ncanonical:\n%s", rs.Trailing, src, s1)
		}
		again, err := dqdl.Parse("fuzz.dqdl", src)
		if err != nil || again.String() != s1 {
			t.Fatalf("Parse is not deterministic for %q", src)
		}
		rs2, err := dqdl.Parse("fuzz.dqdl", s1)
		if err != nil {
			t.Fatalf("canonical text does not re-parse\ninput: %q\ncanonical:\n%s\nerrors:\n%v", src, s1, err)
		}
		if extra := confExtraWarnings(rs, rs2); len(extra) > 0 {
			t.Fatalf("canonical text has new warnings\ninput: %q\ncanonical:\n%s\n%v", src, s1, extra)
		}
		if s2 := rs2.String(); s2 != s1 {
			t.Fatalf("not idempotent\ninput: %q\nfirst:\n%s\nsecond:\n%s", src, s1, s2)
		}
		if d := confASTDiff(rs, rs2); d != "" {
			t.Fatalf("re-parsed AST differs at %s\ninput: %q\ncanonical:\n%s", d, src, s1)
		}
	})
}

var (
	confPosType     = reflect.TypeOf(dqdl.Pos{})
	confRulesetType = reflect.TypeOf(dqdl.Ruleset{})
)

// confASTDiff compares two ASTs structurally, ignoring every dqdl.Pos field
// and the Ruleset's Comments and Warnings. It returns the path of the first
// difference, or "" when they are equal. Nil and empty slices are equal.
func confASTDiff(a, b any) string {
	return confDiffValue(reflect.ValueOf(a), reflect.ValueOf(b), "Ruleset", 0)
}

func confDiffValue(a, b reflect.Value, path string, depth int) string {
	if depth > 200 {
		return path + ": too deep (cycle?)"
	}
	if a.IsValid() != b.IsValid() {
		return path + ": one side is invalid"
	}
	if !a.IsValid() {
		return ""
	}
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: type %v vs %v", path, a.Type(), b.Type())
	}
	if a.Type() == confPosType {
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Sprintf("%s: nil %v vs %v", path, a.IsNil(), b.IsNil())
			}
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return ""
		}
		return confDiffValue(a.Elem(), b.Elem(), path, depth+1)
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Sprintf("%s: nil %v vs %v", path, a.IsNil(), b.IsNil())
			}
			return ""
		}
		if a.Elem().Type() != b.Elem().Type() {
			return fmt.Sprintf("%s: %v vs %v", path, a.Elem().Type(), b.Elem().Type())
		}
		return confDiffValue(a.Elem(), b.Elem(), path, depth+1)
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			f := a.Type().Field(i)
			if f.Type == confPosType {
				continue
			}
			if a.Type() == confRulesetType && (f.Name == "Comments" || f.Name == "Warnings") {
				continue
			}
			if !f.IsExported() {
				continue
			}
			if d := confDiffValue(a.Field(i), b.Field(i), path+"."+f.Name, depth+1); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d vs %d", path, a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if d := confDiffValue(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d vs %d", path, a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return fmt.Sprintf("%s[%v]: missing", path, k)
			}
			if d := confDiffValue(a.MapIndex(k), bv, fmt.Sprintf("%s[%v]", path, k), depth+1); d != "" {
				return d
			}
		}
		return ""
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		if x != y && !(x != x && y != y) {
			return fmt.Sprintf("%s: %v vs %v", path, x, y)
		}
		return ""
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return ""
	default:
		if a.Interface() != b.Interface() {
			return fmt.Sprintf("%s: %v vs %v", path, a.Interface(), b.Interface())
		}
		return ""
	}
}

// TestASTDiffIgnoresPositions checks the comparer itself.
func TestASTDiffIgnoresPositions(t *testing.T) {
	mk := func(line int, text string) *dqdl.Ruleset {
		return &dqdl.Ruleset{
			Pos:      dqdl.Pos{Line: line},
			HasRules: true,
			Rules: []dqdl.Rule{&dqdl.SimpleRule{
				Pos:       dqdl.Pos{Line: line, Column: 3},
				Type:      "RowCount",
				Condition: &dqdl.Condition{Pos: dqdl.Pos{Offset: line}, Op: dqdl.OpGt, Operands: []dqdl.Operand{&dqdl.Number{Pos: dqdl.Pos{Line: line}, Text: text}}},
			}},
			Comments: make([]*dqdl.Comment, line),
		}
	}
	if d := confASTDiff(mk(1, "5"), mk(7, "5")); d != "" {
		t.Errorf("positions and comments should be ignored, got diff at %s", d)
	}
	d := confASTDiff(mk(1, "5"), mk(1, "6"))
	if !strings.Contains(d, "Text") {
		t.Errorf("number text difference not found: %q", d)
	}
}

// confRoundTripOnly holds inputs whose acceptance this corpus does not pin
// down (Glue's behaviour is unknown or dq may reasonably reject them), but
// which, when accepted, must round-trip exactly: same canonical text and
// same AST. Most are shapes where the printed form could collide with
// another token sequence.
var confRoundTripOnly = []string{
	`Rules = [ ColumnValues "d" > now ( ) ]`, // a call named now, not the now() literal
	`Rules = [ RowCount > now ( ) ]`,
	`Rules = [ RowCount > now() ]`,
	`Rules = [ RowCount > avg( ) ]`,
	`Rules = [ RowCount > 1 -2 ]`,
	`Rules = [ RowCount > -1-2 ]`,
	`Rules = [ RowCount > 2*-1 ]`,
	`Rules = [ RowCount > 1 - (2 - 3) ]`,
	`Rules = [ RowCount > 8 / 2 / 2 ]`,
	`Rules = [ RowCount = NULL ]`,
	`Rules = [ ColumnValues "c" in [-0,0.0,00] ]`,
	`Rules = [ FileSize > 007 KB ]`,
	`Rules = [ ColumnValues "c" > (now() - 007 days) ]`,
	`Rules = [ IsComplete "a" with x = - 5 ]`,
	`Rules = [ IsComplete ... ]`,
	`Rules = [ IsComplete 1a ]`,
	"Rules = [ CustomSql \"select *\nfrom primary # not a comment\" > 0 ]",
	"v = \"x\"\nRules = [ ColumnValues \"c\" in [$v] ]",
	"v = NULL\nRules = [ ColumnValues \"c\" = $v ]",
	"v = \"x\"\nRules = [ IsComplete $ v ]",
	`Rules = [ ColumnValues "c" in ["a"] with ignoreCase = "true" with ignoreCase = "false" ]`,
	"Rules = [ IsComplete \"a\" # c1\n where # c2\n \"x > 1\" # c3\n labels # c4\n = [ \"k\" # c5\n = \"v\" ] ]",
	"Rules = [ (RowCount > 0) # x\n and # y\n (IsComplete \"a\") ]",
	"Rules = [\n    RowCount > 0,\n\n\n    # group two\n    IsComplete \"a\"\n]\n\n\n# end\n\n",
}

func TestRoundTripOnly(t *testing.T) {
	for _, src := range confRoundTripOnly {
		t.Run(src, func(t *testing.T) {
			rs, err := dqdl.Parse("rt.dqdl", src)
			if err != nil {
				return // rejecting is fine here
			}
			s1 := rs.String()
			rs2, err := dqdl.Parse("rt.dqdl", s1)
			if err != nil {
				t.Fatalf("accepted, but the canonical text does not re-parse\ninput:\n%s\ncanonical:\n%s\nerrors:\n%v", src, s1, err)
			}
			if s2 := rs2.String(); s2 != s1 {
				t.Errorf("not idempotent\nfirst:\n%s\nsecond:\n%s", s1, s2)
			}
			if d := confASTDiff(rs, rs2); d != "" {
				t.Errorf("accepted, but the canonical text means something else: AST differs at %s\ninput:\n%s\ncanonical:\n%s", d, src, s1)
			}
		})
	}
}

// TestRoundTripGenerated composes corpus rules into random composites
// (nested parentheses, both operator spellings, labelled groups) and random
// rule lists with comments, then checks that each generated ruleset parses,
// keeps every leaf, and round-trips like FuzzParse demands. It reaches
// shapes that byte-level fuzzing rarely builds.
func TestRoundTripGenerated(t *testing.T) {
	var parts []string
	for _, group := range [][]confRuleCase{confRuleTypeCases, confNumberCases, confStringCases, confDateCases, confDurationCases, confSizeCases, confClauseCases} {
		for _, c := range group {
			if strings.Contains(c.in, "labels") || confLintWarned[c.name] {
				continue
			}
			parts = append(parts, c.in)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ops := []string{"and", "AND", "or", "OR"}
	var gen func(depth int) (string, int)
	gen = func(depth int) (string, int) {
		if depth == 0 || rng.IntN(3) == 0 {
			return parts[rng.IntN(len(parts))], 1
		}
		n := 2 + rng.IntN(3)
		var b strings.Builder
		leaves := 0
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(" " + ops[rng.IntN(len(ops))] + " ")
			}
			s, l := gen(depth - 1)
			leaves += l
			b.WriteString("(" + s + ")")
		}
		if rng.IntN(4) == 0 {
			return fmt.Sprintf(`(%s) labels=["group"="g%d"]`, b.String(), rng.IntN(100)), leaves
		}
		return b.String(), leaves
	}
	for i := 0; i < 300; i++ {
		nrules := 1 + rng.IntN(4)
		var rules []string
		leaves := 0
		for j := 0; j < nrules; j++ {
			s, l := gen(3)
			rules = append(rules, s)
			leaves += l
		}
		sep := []string{", ", ",\n", " , # note\n", ",\n\n  "}[rng.IntN(4)]
		src := "Rules = [\n" + strings.Join(rules, sep) + "\n]"
		rs, err := dqdl.Parse("gen.dqdl", src)
		if err != nil {
			t.Errorf("generated ruleset %d does not parse:\n%s\n%v", i, src, err)
			continue
		}
		got := 0
		for _, r := range rs.Rules {
			got += len(dqdl.Leaves(r))
		}
		if got != leaves {
			t.Errorf("generated ruleset %d: %d leaves, want %d\n%s", i, got, leaves, src)
		}
		s1 := rs.String()
		rs2, err := dqdl.Parse("gen.dqdl", s1)
		if err != nil {
			t.Errorf("canonical text of generated ruleset %d does not re-parse:\n%s\n%v", i, s1, err)
			continue
		}
		if s2 := rs2.String(); s2 != s1 {
			t.Errorf("generated ruleset %d not idempotent\nfirst:\n%s\nsecond:\n%s", i, s1, s2)
		}
		if d := confASTDiff(rs, rs2); d != "" {
			t.Errorf("generated ruleset %d: re-parsed AST differs at %s\ninput:\n%s\ncanonical:\n%s", i, d, src, s1)
		}
	}
}
