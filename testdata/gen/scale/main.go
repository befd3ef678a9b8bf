// Command scale writes the scale-test inputs of package scalegen: a
// ruleset of many rules with distinct where clauses (for the taxi schema),
// or a very wide CSV file.
//
//	go run ./testdata/gen/scale -rules 10000 -o many.dqdl
//	go run ./testdata/gen/scale -cols 3000 -rows 50 -o wide.csv
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/dqlabs/dq/testdata/gen/scalegen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run() error {
	rules := flag.Int("rules", 0, "write a ruleset of this many rules with distinct where clauses")
	cols := flag.Int("cols", 0, "write a CSV file with this many columns")
	rows := flag.Int("rows", 50, "rows of the CSV file")
	seed := flag.Uint64("seed", 42, "seed of the CSV values")
	out := flag.String("o", "", "output file (required)")
	flag.Parse()
	if *out == "" || (*rules > 0) == (*cols > 0) {
		flag.Usage()
		return fmt.Errorf("give -o and exactly one of -rules or -cols")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if *rules > 0 {
		_, err = f.WriteString(scalegen.ManyWhereRules(*rules))
	} else {
		err = scalegen.WideCSV(f, *cols, *rows, *seed)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
