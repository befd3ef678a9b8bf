// Command retailgen writes testdata/retail: a small "classic models" retail
// set (customers, products, orders, order lines) with planted dangling
// foreign keys, and a reconciled copy of orders with controlled differences.
// Every value is computed from row numbers, so the files are reproducible
// and the expected metrics can be worked out by hand (see
// testdata/retail/README.md).
//
//	go run -tags duckdb_arrow ./testdata/gen/retailgen -o testdata/retail
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// tables maps each output file to the query producing it.
var tables = []struct{ file, query string }{
	// 20 customers, 101..120.
	{"customers.parquet", `
SELECT CAST(101 + i AS INTEGER) AS customerNumber,
       'Customer ' || (101 + i) AS customerName,
       ['France', 'USA', 'Germany', 'Japan', 'Spain'][1 + i % 5] AS country,
       CAST(10000 + 2500 * (i % 8) AS DECIMAL(10,2)) AS creditLimit
FROM range(20) t(i)`},
	// 15 products S10_0001..S10_0015.
	{"products.parquet", `
SELECT 'S10_' || lpad(CAST(i + 1 AS VARCHAR), 4, '0') AS productCode,
       'Model ' || (i + 1) AS productName,
       ['Classic Cars', 'Motorcycles', 'Planes'][1 + i % 3] AS productLine,
       CAST(20 + 3 * i AS DECIMAL(10,2)) AS buyPrice,
       CAST(40 + 5 * i AS DECIMAL(10,2)) AS MSRP
FROM range(15) t(i)`},
	// 100 orders 10100..10199. Dangling customers: 10113 → 997,
	// 10147 → 998, 10181 → 999; 10160 has no customer (NULL).
	{"orders.parquet", ordersSQL},
	// Two lines per order; lines of orders 10111 and 10122 name the
	// unknown product S99_0001.
	{"orderdetails.parquet", `
SELECT CAST(10100 + i // 2 AS INTEGER) AS orderNumber,
       CAST(1 + i % 2 AS INTEGER) AS orderLineNumber,
       CASE WHEN i IN (22, 45) THEN 'S99_0001'
            ELSE 'S10_' || lpad(CAST(1 + (i * 4) % 15 AS VARCHAR), 4, '0') END AS productCode,
       CAST(1 + i % 9 AS INTEGER) AS quantityOrdered,
       CAST(45 + (i * 13) % 60 AS DECIMAL(10,2)) AS priceEach
FROM range(200) t(i)`},
	// The reconciled copy, as an extract job left it in the lake: order
	// 10150 is missing, 10120 and 10121 changed status, 10130's amount is
	// 100.00 higher, and orderNumber was widened to BIGINT.
	{"s3copy/orders/part-00000.parquet", `
SELECT CAST(orderNumber AS BIGINT) AS orderNumber, orderDate,
       CASE WHEN orderNumber IN (10120, 10121) THEN 'In Process' ELSE status END AS status,
       customerNumber,
       CASE WHEN orderNumber = 10130 THEN amount + 100 ELSE amount END AS amount
FROM (` + ordersSQL + `)
WHERE orderNumber <> 10150`},
}

const ordersSQL = `
SELECT CAST(10100 + i AS INTEGER) AS orderNumber,
       DATE '2024-01-01' + CAST(i AS INTEGER) AS orderDate,
       CASE WHEN i % 17 = 0 THEN 'Cancelled' ELSE 'Shipped' END AS status,
       CASE i WHEN 13 THEN 997 WHEN 47 THEN 998 WHEN 81 THEN 999 WHEN 60 THEN NULL
              ELSE CAST(101 + (i * 7) % 20 AS INTEGER) END AS customerNumber,
       CAST((i * 37) % 500 + 50.25 AS DECIMAL(10,2)) AS amount
FROM range(100) t(i)`

func main() {
	out := flag.String("o", "testdata/retail", "output directory")
	flag.Parse()
	if err := run(context.Background(), *out); err != nil {
		fmt.Fprintln(os.Stderr, "retailgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, t := range tables {
		path := filepath.Join(out, filepath.FromSlash(t.file))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		q := "COPY (" + t.query + " ORDER BY 1) TO '" + strings.ReplaceAll(path, "'", "''") + "' (FORMAT parquet)"
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return nil
}
