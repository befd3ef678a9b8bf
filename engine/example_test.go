package engine_test

import (
	"context"
	"fmt"

	"github.com/dqlabs/dq/dqdl"
	"github.com/dqlabs/dq/engine"
)

func Example() {
	rs, err := dqdl.Parse("example.dqdl", `Rules = [
		RowCount = 4,
		IsComplete "fare",
		ColumnValues "fare" between 0 and 100
	]`)
	if err != nil {
		panic(err)
	}
	data := engine.Query(`SELECT * FROM (VALUES (1, 12.5), (2, NULL), (3, 250.0), (4, 7.0)) t(id, fare)`)
	res, err := engine.Evaluate(context.Background(), rs, data, engine.Options{})
	if err != nil {
		panic(err)
	}
	for _, r := range res.RuleResults {
		fmt.Printf("%s %s %q\n", r.Name, r.Result, r.EvaluationMessage)
	}
	fmt.Println("score:", *res.Score)
	// Output:
	// Rule_0 PASS ""
	// Rule_1 FAIL "Value: 0.75 does not meet the constraint requirement!"
	// Rule_2 FAIL "Value: 250.0 does not meet the constraint requirement!\nValue: NULL does not meet the constraint requirement!"
	// score: 0.3333333333333333
}
