// Package taxigen generates NYC-yellow-taxi-shaped trip data with planted
// data-quality problems, entirely inside DuckDB.
//
// The schema and column types are those of the TLC's 2022 yellow-taxi Parquet
// files. Every pseudo-random draw is derived from hash(row, seed, k), never
// from random(), so a given (rows, seed) pair yields the same rows in the same
// order on every run and with any DuckDB thread count. Generation is a single
// streaming COPY over range(N), so memory stays flat as N grows.
//
// Planted problems (rates are per row, approximate):
//
//	2.7%   passenger_count NULL; RatecodeID, store_and_fwd_flag,
//	       congestion_surcharge and airport_fee NULL on the same rows and
//	       payment_type 0 there, as in the real files
//	0.1%   negative fare_amount (refund rows: all charges negated)
//	0.05%  VendorID 5, outside the valid {1, 2, 6}
//	0.07%  tpep_dropoff_datetime before tpep_pickup_datetime
//	1.2%   trip_distance 0
//	0.6%   passenger_count 0, 0.02% passenger_count 9
package taxigen

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// Planted rates, exported so tests and documentation can check against the
// same numbers the SQL uses.
const (
	NullRowRate        = 0.027
	NegativeFareRate   = 0.001
	BadVendorRate      = 0.0005
	DropoffBeforeRate  = 0.0007
	ZeroDistanceRate   = 0.012
	ZeroPassengerRate  = 0.006
	NinePassengerRate  = 0.0002
	StoreAndForwardYes = 0.006
)

// Columns is the generated schema in file order (the 2022 TLC yellow schema).
var Columns = []string{
	"VendorID", "tpep_pickup_datetime", "tpep_dropoff_datetime", "passenger_count",
	"trip_distance", "RatecodeID", "store_and_fwd_flag", "PULocationID", "DOLocationID",
	"payment_type", "fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount",
	"improvement_surcharge", "total_amount", "congestion_surcharge", "airport_fee",
}

// Options selects how much data to generate and how to write it.
type Options struct {
	Rows   int64
	Seed   int64
	Format string // parquet (default), csv or json (newline-delimited)
}

// Query returns the SELECT that produces the rows. It is exposed so callers
// can inspect or wrap it (e.g. the tests aggregate over it directly).
func Query(rows, seed int64) string {
	// u(k) is the k-th independent uniform draw in [0,1) for the current row:
	// the top 53 bits of a 64-bit hash, so no draw is exactly 1. DuckDB's
	// variadic hash combines its arguments' hashes with a multiply-xor, so
	// hash(i, s, k) for two k differ by a fixed xor mask and their top bits
	// correlate (r≈0.6 measured); hashing the result again decorrelates them.
	u := func(k int) string {
		return fmt.Sprintf("((hash(hash(range, %d::BIGINT, %d::BIGINT)) >> 11)::DOUBLE / 9007199254740992.0)", seed, k)
	}
	r := strings.NewReplacer(
		"{{N}}", fmt.Sprint(rows),
		"{{U1}}", u(1), "{{U2}}", u(2), "{{U3}}", u(3), "{{U4}}", u(4), "{{U5}}", u(5),
		"{{U6}}", u(6), "{{U7}}", u(7), "{{U8}}", u(8), "{{U9}}", u(9), "{{U10}}", u(10),
		"{{U11}}", u(11), "{{U12}}", u(12), "{{U13}}", u(13), "{{U14}}", u(14), "{{U15}}", u(15),
		"{{U16}}", u(16), "{{U17}}", u(17), "{{U18}}", u(18), "{{U19}}", u(19), "{{U20}}", u(20),
		"{{U21}}", u(21), "{{U22}}", u(22),
		"{{NULLROW}}", fmt.Sprint(NullRowRate),
		"{{NEG}}", fmt.Sprint(NegativeFareRate),
		"{{BADV}}", fmt.Sprint(BadVendorRate),
		"{{DROPB}}", fmt.Sprint(DropoffBeforeRate),
		"{{ZDIST}}", fmt.Sprint(ZeroDistanceRate),
		"{{P0}}", fmt.Sprint(ZeroPassengerRate),
		"{{P9}}", fmt.Sprint(ZeroPassengerRate+NinePassengerRate),
		"{{SFY}}", fmt.Sprint(StoreAndForwardYes),
	)
	return r.Replace(querySQL)
}

// querySQL builds a trip in layers: independent draws, then categorical
// choices, then times and distances, then money. Layering keeps every
// derived value computed once per row without relying on lateral aliases.
const querySQL = `
WITH d AS (
  SELECT range AS i,
    {{U1}} AS u_null, {{U2}} AS u_vendor, {{U3}} AS u_day, {{U4}} AS u_mix,
    {{U5}} AS u_t1, {{U6}} AS u_t2, {{U7}} AS u_zd, {{U8}} AS u_d1, {{U9}} AS u_d2,
    {{U10}} AS u_rate, {{U11}} AS u_pu, {{U12}} AS u_do, {{U13}} AS u_pc,
    {{U14}} AS u_sf, {{U15}} AS u_pay, {{U16}} AS u_neg, {{U17}} AS u_drop,
    {{U18}} AS u_speed, {{U19}} AS u_toll, {{U20}} AS u_cong, {{U21}} AS u_tip, {{U22}} AS u_tipp
  FROM range({{N}})
),
c AS (
  SELECT *,
    u_null < {{NULLROW}} AS nullrow,
    u_neg < {{NEG}} AS neg,
    CASE WHEN u_vendor < {{BADV}} THEN 5
         WHEN u_vendor < {{BADV}} + 0.001 THEN 6
         WHEN u_vendor < 0.28 THEN 1 ELSE 2 END::BIGINT AS vendor,
    -- Rate code 2 is JFK flat fare, 5 negotiated, 99 the TLC's "unknown".
    CASE WHEN u_rate < 0.95 THEN 1 WHEN u_rate < 0.98 THEN 2 WHEN u_rate < 0.983 THEN 3
         WHEN u_rate < 0.985 THEN 4 WHEN u_rate < 0.9995 THEN 5 ELSE 99 END AS rate,
    -- Seconds since 2022-01-01: a uniform day of January, and a time of day
    -- that is mostly a daytime bell (Box-Muller) with a flat night floor.
    floor(u_day * 31)::BIGINT * 86400 +
      CASE WHEN u_mix < 0.8
           THEN ((54000 + 16200 * sqrt(-2 * ln(1 - u_t1)) * cos(2 * pi() * u_t2))::BIGINT % 86400 + 86400) % 86400
           ELSE floor(u_t1 * 86400)::BIGINT END AS pickup_s,
    sqrt(-2 * ln(1 - u_d1)) * cos(2 * pi() * u_d2) AS z_dist,
    -- Zones: two thirds of trips start in a busy Manhattan/airport zone.
    CASE WHEN u_pu < 0.66
         THEN [237,236,161,162,132,186,230,170,142,239,163,234,48,68,79,141,107,238,140,138,164,113,249,229,43,90,100,263,233,262][1 + floor(30 * u_pu / 0.66 * u_pu / 0.66)::INT]
         ELSE 1 + floor(265 * (u_pu - 0.66) / 0.34)::BIGINT END::BIGINT AS pu,
    CASE WHEN u_do < 0.55
         THEN [236,237,161,170,162,230,142,239,141,48,68,234,186,163,79,238,107,263,140,132,138,229,164,249,113,90,43,262,233,100][1 + floor(30 * u_do / 0.55 * u_do / 0.55)::INT]
         ELSE 1 + floor(265 * (u_do - 0.55) / 0.45)::BIGINT END::BIGINT AS dol,
    CASE WHEN u_pc < {{P0}} THEN 0 WHEN u_pc < {{P9}} THEN 9
         WHEN u_pc < 0.73 THEN 1 WHEN u_pc < 0.87 THEN 2 WHEN u_pc < 0.91 THEN 3
         WHEN u_pc < 0.93 THEN 4 WHEN u_pc < 0.97 THEN 5 ELSE 6 END AS pc
  FROM d
),
t AS (
  SELECT *,
    CASE WHEN u_zd < {{ZDIST}} THEN 0.0
         WHEN rate = 2 THEN round(15 + 7 * u_d1, 2)
         ELSE round(least(exp(0.55 + 0.85 * z_dist), 80), 2) END AS dist,
    (pickup_s % 86400) // 3600 AS hr
  FROM c
),
m AS (
  SELECT *,
    -- Trip time from a lognormal city speed (median ~11 mph) plus dwell.
    CASE WHEN dist = 0 THEN floor(600 * u_speed)::BIGINT
         ELSE (dist / exp(2.4 + 0.35 * (u_speed - 0.5) * 3.4) * 3600 + 30 + 240 * u_toll)::BIGINT END AS dur_s,
    CASE WHEN rate = 2 THEN 52.0
         WHEN rate = 5 THEN round(10 + 60 * u_tip, 2)
         ELSE round((2.5 + 2.5 * dist + 0.35 * (dist / exp(2.4 + 0.35 * (u_speed - 0.5) * 3.4) * 60)) * 2) / 2 END AS fare0,
    CASE WHEN hr >= 20 OR hr < 6 THEN 0.5 WHEN hr >= 16 THEN 1.0 ELSE 0.0 END AS extra0,
    CASE WHEN nullrow THEN 0 WHEN neg THEN 3 + (u_pay < 0.5)::INT
         WHEN u_pay < 0.76 THEN 1 WHEN u_pay < 0.975 THEN 2 WHEN u_pay < 0.988 THEN 3
         WHEN u_pay < 0.9995 THEN 4 ELSE 5 END::BIGINT AS pay,
    CASE WHEN u_toll < 0.05 AND dist > 3 THEN 6.55 ELSE 0.0 END AS tolls0,
    CASE WHEN u_cong < 0.92 THEN 2.5 ELSE 0.0 END AS cong0,
    CASE WHEN pu IN (132, 138) THEN 1.25 ELSE 0.0 END AS airport0
  FROM t
),
f AS (
  SELECT *,
    CASE WHEN neg THEN -1.0 ELSE 1.0 END AS sgn,
    CASE WHEN pay = 1 AND NOT neg AND u_tipp < 0.9 THEN round(fare0 * (0.12 + 0.18 * u_tip), 2) ELSE 0.0 END AS tip,
    CASE WHEN neg THEN 0.0 ELSE tolls0 END AS tolls
  FROM m
)
SELECT
  vendor AS VendorID,
  make_timestamp(1640995200000000 + pickup_s * 1000000) AS tpep_pickup_datetime,
  make_timestamp(1640995200000000 + pickup_s * 1000000 +
    CASE WHEN u_drop < {{DROPB}} THEN -(60 + floor(3540 * u_speed)::BIGINT) ELSE dur_s END * 1000000) AS tpep_dropoff_datetime,
  CASE WHEN nullrow THEN NULL ELSE pc END::DOUBLE AS passenger_count,
  dist::DOUBLE AS trip_distance,
  CASE WHEN nullrow THEN NULL ELSE rate END::DOUBLE AS RatecodeID,
  CASE WHEN nullrow THEN NULL WHEN u_sf < {{SFY}} THEN 'Y' ELSE 'N' END::VARCHAR AS store_and_fwd_flag,
  pu AS PULocationID,
  dol AS DOLocationID,
  pay AS payment_type,
  (sgn * fare0)::DOUBLE AS fare_amount,
  (sgn * extra0)::DOUBLE AS extra,
  (sgn * CASE WHEN rate = 5 THEN 0.0 ELSE 0.5 END)::DOUBLE AS mta_tax,
  tip::DOUBLE AS tip_amount,
  tolls::DOUBLE AS tolls_amount,
  (sgn * 0.3)::DOUBLE AS improvement_surcharge,
  round(sgn * (fare0 + extra0 + CASE WHEN rate = 5 THEN 0.0 ELSE 0.5 END + 0.3
    + CASE WHEN nullrow THEN 0.0 ELSE cong0 + airport0 END) + tip + tolls, 2)::DOUBLE AS total_amount,
  CASE WHEN nullrow THEN NULL ELSE sgn * cong0 END::DOUBLE AS congestion_surcharge,
  CASE WHEN nullrow THEN NULL ELSE sgn * airport0 END::DOUBLE AS airport_fee
FROM f
`

// CopyStatement returns the COPY that writes the rows to path.
func CopyStatement(path string, o Options) (string, error) {
	var format string
	switch strings.ToLower(o.Format) {
	case "", "parquet":
		// ZSTD keeps the shipped sample well under 1 MB; row groups stay
		// at DuckDB's default so readers see realistic multi-group files.
		format = "FORMAT parquet, COMPRESSION zstd"
	case "csv":
		format = "FORMAT csv, HEADER true"
	case "json", "ndjson":
		format = "FORMAT json"
	default:
		return "", fmt.Errorf("taxigen: unknown format %q (want parquet, csv or json)", o.Format)
	}
	if o.Rows < 0 {
		return "", fmt.Errorf("taxigen: negative row count %d", o.Rows)
	}
	return fmt.Sprintf("COPY (%s) TO '%s' (%s)", Query(o.Rows, o.Seed), strings.ReplaceAll(path, "'", "''"), format), nil
}

// Generate writes o.Rows rows to path using db, which must be a DuckDB
// handle. Insertion order must be preserved (DuckDB's default) for the row
// order to be deterministic.
func Generate(ctx context.Context, db *sql.DB, path string, o Options) error {
	stmt, err := CopyStatement(path, o)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("taxigen: writing %s: %w", path, err)
	}
	return nil
}

// GenerateFile is Generate on a private in-memory DuckDB. threads <= 0
// leaves DuckDB's default; the output does not depend on it.
func GenerateFile(ctx context.Context, path string, o Options, threads int) error {
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		return fmt.Errorf("taxigen: opening duckdb: %w", err)
	}
	defer db.Close()
	// One connection, so the SET below applies to the COPY.
	db.SetMaxOpenConns(1)
	if threads > 0 {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("SET threads = %d", threads)); err != nil {
			return fmt.Errorf("taxigen: setting threads: %w", err)
		}
	}
	return Generate(ctx, db, path, o)
}
