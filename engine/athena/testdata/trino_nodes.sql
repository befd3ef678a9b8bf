-- row count
count(*)

-- count if
count(CASE WHEN ("Fare ""amt""" > 5) THEN 1 END)

-- filtered sum with user where
sum(CASE WHEN ("a b" = 'it''s `x`') THEN "Fare ""amt""" END)

-- moments
(stddev_pop("Fare ""amt""") + var_pop("Fare ""amt"""))

-- corr
corr("Fare ""amt""", "tip")

-- fraction literal
CAST('0.1' AS DOUBLE)

-- NaN
nan()

-- +Inf
infinity()

-- -Inf
(-infinity())

-- try_cast
try_cast("vendor_name" AS DOUBLE)

-- cast
CAST("vendor_name" AS DATE)

-- string escaping
("vendor_name" NOT IN ('O''Brien', 'back\slash "q" ünï', NULL))

-- length
max(length("vendor_name"))

-- trim
trim(BOTH ' ' FROM "vendor_name")

-- greatest skips NULLs
greatest(coalesce("Fare ""amt""", "Fare ""amt""", 0), coalesce(0, "Fare ""amt""", 0))

-- non-finite
count(CASE WHEN ((is_nan("Fare ""amt""") AND (NOT is_infinite("Fare ""amt"""))) AND is_finite("Fare ""amt""")) THEN 1 END)

-- regex full match
regexp_like("vendor_name", '\A(?:(?:[A-Z](?:[0-9]){2,}(?:\x{2D}x)[^\x{A}]))\z')

-- regex case-insensitive
regexp_like("vendor_name", '\A(?:(?:(?:[Oo][Kk\x{212A}])|(?:(?:[Nn]\x{27}[Aa])\z)))\z')

-- utc timestamp
CAST(CAST("inst" AT TIME ZONE 'UTC' AS TIMESTAMP(6)) AS DATE)

-- instant literal
("inst" >= CAST('2024-06-01 00:00:00.000000 UTC' AS TIMESTAMP(6) WITH TIME ZONE))

-- spark trim
trim("vendor_name", ' 	
')

-- spark date
((CASE WHEN regexp_like("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z') THEN CASE WHEN CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) BETWEEN 1 AND 12 AND CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 3), ''), '1') AS BIGINT) BETWEEN 1 AND CASE WHEN CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) = 2 THEN CASE WHEN ((CAST(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 1) AS BIGINT) % 4 = 0 AND CAST(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 1) AS BIGINT) % 100 <> 0) OR CAST(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 1) AS BIGINT) % 400 = 0) THEN 29 ELSE 28 END WHEN CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) IN (4, 6, 9, 11) THEN 30 ELSE 31 END AND (CAST(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 1) AS BIGINT) < 5881580 OR (CAST(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 1) AS BIGINT) = 5881580 AND (CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) < 7 OR (CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) = 7 AND CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 3), ''), '1') AS BIGINT) <= 10)))) THEN date_add('day', (((CAST(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 1) AS BIGINT) - CASE WHEN CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) <= 2 THEN 1 ELSE 0 END + 400) / 400) * 146097 + (((CAST(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 1) AS BIGINT) - CASE WHEN CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) <= 2 THEN 1 ELSE 0 END + 400) - ((CAST(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 1) AS BIGINT) - CASE WHEN CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) <= 2 THEN 1 ELSE 0 END + 400) / 400) * 400) * 365 + ((CAST(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 1) AS BIGINT) - CASE WHEN CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) <= 2 THEN 1 ELSE 0 END + 400) - ((CAST(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 1) AS BIGINT) - CASE WHEN CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) <= 2 THEN 1 ELSE 0 END + 400) / 400) * 400) / 4 - ((CAST(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 1) AS BIGINT) - CASE WHEN CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) <= 2 THEN 1 ELSE 0 END + 400) - ((CAST(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 1) AS BIGINT) - CASE WHEN CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) <= 2 THEN 1 ELSE 0 END + 400) / 400) * 400) / 100 + ((153 * ((CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 2), ''), '1') AS BIGINT) + 9) % 12) + 2) / 5 + CAST(coalesce(nullif(regexp_extract("vendor_name", '\A([0-9]{4,7})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:[ T][^\n]*)?)?)?\z', 3), ''), '1') AS BIGINT) - 1)) - 719468 - 146097), DATE '1970-01-01') END END) > CAST('2024-02-29' AS DATE))

-- spark boolean text
(lower("vendor_name") IN ('t', 'true', 'y', 'yes', '1', 'f', 'false', 'n', 'no', '0'))

-- integer text 32
(CASE WHEN regexp_like("vendor_name", '\A[+-]?[0-9]+\z') THEN length(regexp_replace("vendor_name", '^[+-]?0*', '')) < 10 OR (length(regexp_replace("vendor_name", '^[+-]?0*', '')) = 10 AND regexp_replace("vendor_name", '^[+-]?0*', '') <= CASE WHEN substr("vendor_name", 1, 1) = '-' THEN '2147483648' ELSE '2147483647' END) ELSE FALSE END)

-- integer text 64
(CASE WHEN regexp_like("vendor_name", '\A[+-]?[0-9]+\z') THEN length(regexp_replace("vendor_name", '^[+-]?0*', '')) < 19 OR (length(regexp_replace("vendor_name", '^[+-]?0*', '')) = 19 AND regexp_replace("vendor_name", '^[+-]?0*', '') <= CASE WHEN substr("vendor_name", 1, 1) = '-' THEN '9223372036854775808' ELSE '9223372036854775807' END) ELSE FALSE END)

-- uniqueness window
(count(CASE WHEN (id > 2) THEN 1 END) OVER (PARTITION BY "vendor_name", "Fare ""amt""") = 1)

-- data freshness
(((CASE WHEN abs((CAST(1717243200000000 - (CASE WHEN year("ts") BETWEEN 0 AND 9999 THEN date_diff('second', TIMESTAMP '1970-01-01 00:00:00', date_trunc('second', "ts")) * 1000000 + CAST(substr(CAST(CAST("ts" AS TIMESTAMP(6)) AS VARCHAR), 21, 6) AS BIGINT) ELSE CAST(fail('DataFreshness: a timestamp outside the years 0 to 9999') AS BIGINT) END) AS DOUBLE) / CAST(3600000000 AS DOUBLE) * CAST(100 AS DOUBLE)) - truncate((CAST(1717243200000000 - (CASE WHEN year("ts") BETWEEN 0 AND 9999 THEN date_diff('second', TIMESTAMP '1970-01-01 00:00:00', date_trunc('second', "ts")) * 1000000 + CAST(substr(CAST(CAST("ts" AS TIMESTAMP(6)) AS VARCHAR), 21, 6) AS BIGINT) ELSE CAST(fail('DataFreshness: a timestamp outside the years 0 to 9999') AS BIGINT) END) AS DOUBLE) / CAST(3600000000 AS DOUBLE) * CAST(100 AS DOUBLE)))) >= 0.5 THEN truncate((CAST(1717243200000000 - (CASE WHEN year("ts") BETWEEN 0 AND 9999 THEN date_diff('second', TIMESTAMP '1970-01-01 00:00:00', date_trunc('second', "ts")) * 1000000 + CAST(substr(CAST(CAST("ts" AS TIMESTAMP(6)) AS VARCHAR), 21, 6) AS BIGINT) ELSE CAST(fail('DataFreshness: a timestamp outside the years 0 to 9999') AS BIGINT) END) AS DOUBLE) / CAST(3600000000 AS DOUBLE) * CAST(100 AS DOUBLE))) + sign((CAST(1717243200000000 - (CASE WHEN year("ts") BETWEEN 0 AND 9999 THEN date_diff('second', TIMESTAMP '1970-01-01 00:00:00', date_trunc('second', "ts")) * 1000000 + CAST(substr(CAST(CAST("ts" AS TIMESTAMP(6)) AS VARCHAR), 21, 6) AS BIGINT) ELSE CAST(fail('DataFreshness: a timestamp outside the years 0 to 9999') AS BIGINT) END) AS DOUBLE) / CAST(3600000000 AS DOUBLE) * CAST(100 AS DOUBLE))) ELSE truncate((CAST(1717243200000000 - (CASE WHEN year("ts") BETWEEN 0 AND 9999 THEN date_diff('second', TIMESTAMP '1970-01-01 00:00:00', date_trunc('second', "ts")) * 1000000 + CAST(substr(CAST(CAST("ts" AS TIMESTAMP(6)) AS VARCHAR), 21, 6) AS BIGINT) ELSE CAST(fail('DataFreshness: a timestamp outside the years 0 to 9999') AS BIGINT) END) AS DOUBLE) / CAST(3600000000 AS DOUBLE) * CAST(100 AS DOUBLE))) END) / CAST(100 AS DOUBLE)) <= 24)

-- data freshness of a date
((CASE WHEN abs((CAST(1717243200000000 - (CASE WHEN year(CAST("d" AS TIMESTAMP)) BETWEEN 0 AND 9999 THEN date_diff('second', TIMESTAMP '1970-01-01 00:00:00', date_trunc('second', CAST("d" AS TIMESTAMP))) * 1000000 + CAST(substr(CAST(CAST(CAST("d" AS TIMESTAMP) AS TIMESTAMP(6)) AS VARCHAR), 21, 6) AS BIGINT) ELSE CAST(fail('DataFreshness: a timestamp outside the years 0 to 9999') AS BIGINT) END) AS DOUBLE) / CAST(3600000000 AS DOUBLE) * CAST(100 AS DOUBLE)) - truncate((CAST(1717243200000000 - (CASE WHEN year(CAST("d" AS TIMESTAMP)) BETWEEN 0 AND 9999 THEN date_diff('second', TIMESTAMP '1970-01-01 00:00:00', date_trunc('second', CAST("d" AS TIMESTAMP))) * 1000000 + CAST(substr(CAST(CAST(CAST("d" AS TIMESTAMP) AS TIMESTAMP(6)) AS VARCHAR), 21, 6) AS BIGINT) ELSE CAST(fail('DataFreshness: a timestamp outside the years 0 to 9999') AS BIGINT) END) AS DOUBLE) / CAST(3600000000 AS DOUBLE) * CAST(100 AS DOUBLE)))) >= 0.5 THEN truncate((CAST(1717243200000000 - (CASE WHEN year(CAST("d" AS TIMESTAMP)) BETWEEN 0 AND 9999 THEN date_diff('second', TIMESTAMP '1970-01-01 00:00:00', date_trunc('second', CAST("d" AS TIMESTAMP))) * 1000000 + CAST(substr(CAST(CAST(CAST("d" AS TIMESTAMP) AS TIMESTAMP(6)) AS VARCHAR), 21, 6) AS BIGINT) ELSE CAST(fail('DataFreshness: a timestamp outside the years 0 to 9999') AS BIGINT) END) AS DOUBLE) / CAST(3600000000 AS DOUBLE) * CAST(100 AS DOUBLE))) + sign((CAST(1717243200000000 - (CASE WHEN year(CAST("d" AS TIMESTAMP)) BETWEEN 0 AND 9999 THEN date_diff('second', TIMESTAMP '1970-01-01 00:00:00', date_trunc('second', CAST("d" AS TIMESTAMP))) * 1000000 + CAST(substr(CAST(CAST(CAST("d" AS TIMESTAMP) AS TIMESTAMP(6)) AS VARCHAR), 21, 6) AS BIGINT) ELSE CAST(fail('DataFreshness: a timestamp outside the years 0 to 9999') AS BIGINT) END) AS DOUBLE) / CAST(3600000000 AS DOUBLE) * CAST(100 AS DOUBLE))) ELSE truncate((CAST(1717243200000000 - (CASE WHEN year(CAST("d" AS TIMESTAMP)) BETWEEN 0 AND 9999 THEN date_diff('second', TIMESTAMP '1970-01-01 00:00:00', date_trunc('second', CAST("d" AS TIMESTAMP))) * 1000000 + CAST(substr(CAST(CAST(CAST("d" AS TIMESTAMP) AS TIMESTAMP(6)) AS VARCHAR), 21, 6) AS BIGINT) ELSE CAST(fail('DataFreshness: a timestamp outside the years 0 to 9999') AS BIGINT) END) AS DOUBLE) / CAST(3600000000 AS DOUBLE) * CAST(100 AS DOUBLE))) END) / CAST(100 AS DOUBLE))

-- case
CASE WHEN ("Fare ""amt""" IS NULL) THEN 0 ELSE ln("Fare ""amt""") END

