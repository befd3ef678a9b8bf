#!/usr/bin/env bash
# Ten daily runs over generated taxi data with a drift planted on day 8, then
# a backtest: the README's "A drift, caught and backtested". Run it from the
# repository root; the data and the history go to a scratch directory.
go build -tags duckdb_arrow -o bin/dq ./cmd/dq || exit 2
go build -tags duckdb_arrow -o bin/taxi ./testdata/gen/taxi || exit 2
PATH=$PWD/bin:$PATH; cd "$(mktemp -d)" || exit 2
cat > drift.dqdl <<'DQDL'
Rules = [
    RowCount > avg(last(5)) * 0.9,
    DetectAnomalies "RowCount"
]
DQDL
rows=(10000 10100 9950 10050 10020 9980 10070 6000 10030 10010)   # day 8 drops to 6000
for day in $(seq 1 10); do
  taxi -rows ${rows[day-1]} -seed $day -o day$day.parquet 2>/dev/null
  dq eval drift.dqdl day$day.parquet --history hist.duckdb --dataset-id taxi \
      --now 2026-01-$(printf %02d $day)T06:00:00Z --observations --format table --color never
  echo "day $day: exit $?"
done
dq backtest drift.dqdl --history hist.duckdb --dataset-id taxi --since 2026-01-01 --format table
