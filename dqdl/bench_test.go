package dqdl_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dqlabs/dq/dqdl"
)

// confBenchTemplates are realistic rules; %d is replaced by the rule index
// so that column names vary. Every rule type, composites, where clauses,
// thresholds, tags, labels, variables and dynamic expressions appear.
var confBenchTemplates = []string{
	`RowCount between 0.9 * avg(last(10)) and 1.1 * avg(last(10))`,
	`RowCountMatch "reference" >= 0.95`,
	`ColumnCount >= %d`,
	`Completeness "customer_id_%d" > 0.95 where "region = 'EU'"`,
	`IsComplete "order_id_%d" labels=["team"="orders","severity"="high"]`,
	`ColumnDataType "amount_%d" = "Double" with threshold >= 0.99`,
	`ColumnNamesMatchPattern "col_[a-z0-9_]+"`,
	`ColumnExists "load_dt_%d"`,
	`ColumnCorrelation "height_%d" and "weight" > avg(last(5)) - 0.05`,
	`Uniqueness "email_%d" "tenant" > 0.99`,
	`IsUnique "id_%d" where "deleted = false"`,
	`Mean "price_%d" between 10 and 20`,
	`Sum "quantity_%d" > -100.0`,
	`StandardDeviation "latency_%d" <= max(last(7), 250)`,
	`Variance "score_%d" < 0.5`,
	`Entropy "category_%d" > 1.2`,
	`DistinctValuesCount "country_%d" between min(last(10)) - 1 and max(last(10)) + 1`,
	`UniqueValueRatio "sku_%d" > 0.8`,
	`ColumnLength "postal_code_%d" between 4 and 10 with threshold >= 0.99`,
	`IsPrimaryKey "pk_%d" "tenant"`,
	`ColumnValues "status_%d" in ["active","pending","closed",NULL] with threshold > 0.98 labels=["owner"="ops"]`,
	`ColumnValues "age_%d" between 0 and 120`,
	`ColumnValues "email_%d" matches "[a-z0-9._%%+-]+@[a-z0-9.-]+"`,
	`ColumnValues "created_%d" > (now() - 3 days)`,
	`ColumnValues "code_%d" in $codes with ignoreCase = "true"`,
	`DataFreshness "updated_at_%d" <= 24 hours`,
	`CustomSql $sql between 0 and %d`,
	`ReferentialIntegrity "customer_id_%d" "reference.id" >= 0.99`,
	`DatasetMatch "reference" "id->id" "amount_%d" >= 0.9`,
	`SchemaMatch "reference" = 1.0`,
	`AggregateMatch "sum(amount_%d)" "sum(reference.amount)" between 0.95 and 1.05`,
	`DetectAnomalies "Completeness" "col_%d"`,
	`(IsComplete "a_%d") and (ColumnValues "b" != EMPTY) or (RowCount > last())`,
	`((Completeness "c_%d" > 0.9) and (Uniqueness "c" > 0.9)) labels=["k"="v"]`,
	`FileFreshness "s3://bucket/path_%d/" > "9:30 AM" with timeZone = "America/New_York"`,
	`FileSize "s3://bucket/path_%d/" < 5 GB with threshold > 0.9`,
	`FileMatch "s3://bucket/a_%d/" in ["d41d8cd98f00b204e9800998ecf8427e"] with hashAlgorithm = "MD5"`,
	`FileUniqueness "s3://bucket/%d/" > 0.5`,
}

// confBenchRuleset builds a ruleset with n rules, sections and comments.
func confBenchRuleset(n int) string {
	var b strings.Builder
	b.WriteString("Metadata = { \"Version\": \"1.0\" }\n")
	b.WriteString("DataSources = { \"Primary\": \"orders\", \"AdditionalDataSources\": [ \"reference\" ] }\n")
	b.WriteString("sql = \"select count(*) from primary where amount > 0\"\n")
	b.WriteString("codes = [\"A1\", \"B2\", \"C3\", NULL]\n")
	b.WriteString("DefaultLabels = [\"env\"=\"prod\"]\n")
	b.WriteString("# generated benchmark ruleset\nRules = [\n")
	for i := 0; i < n; i++ {
		tmpl := confBenchTemplates[i%len(confBenchTemplates)]
		rule := tmpl
		if strings.Contains(tmpl, "%d") {
			rule = fmt.Sprintf(tmpl, i)
		} else {
			rule = strings.ReplaceAll(tmpl, "%%", "%")
		}
		b.WriteString("    ")
		b.WriteString(rule)
		if i < n-1 {
			b.WriteString(",")
		}
		if i%100 == 0 {
			b.WriteString(" # checkpoint")
		}
		b.WriteString("\n")
	}
	b.WriteString("]\n\nAnalyzers = [ RowCount, AllStatistics AllColumns, Completeness \"customer_id_1\" ]\n")
	return b.String()
}

// TestBenchRulesetParses makes sure the benchmark measures a valid ruleset.
func TestBenchRulesetParses(t *testing.T) {
	src := confBenchRuleset(len(confBenchTemplates) * 2)
	rs, err := dqdl.Parse("bench.dqdl", src)
	if err != nil {
		t.Fatalf("benchmark ruleset does not parse: %v", err)
	}
	if got := len(rs.Rules); got != len(confBenchTemplates)*2 {
		t.Errorf("rules = %d, want %d", got, len(confBenchTemplates)*2)
	}
	if len(rs.Warnings) > 0 {
		t.Errorf("warnings: %v", dqdl.ErrorList(rs.Warnings))
	}
}

// BenchmarkParse10kRules measures Parse + String of a realistic
// 10,000-rule ruleset. Target: < 100 ms per op.
func BenchmarkParse10kRules(b *testing.B) {
	const n = 10000
	src := confBenchRuleset(n)
	if _, err := dqdl.Parse("bench.dqdl", src); err != nil {
		b.Fatalf("benchmark ruleset does not parse: %v", err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rs, err := dqdl.Parse("bench.dqdl", src)
		if err != nil {
			b.Fatal(err)
		}
		_ = rs.String()
	}
	b.StopTimer()
	perOp := b.Elapsed().Seconds() / float64(b.N)
	if perOp > 0 {
		b.ReportMetric(n/perOp, "rules/s")
	}
}
