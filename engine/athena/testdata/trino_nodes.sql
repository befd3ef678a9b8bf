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

-- case
CASE WHEN ("Fare ""amt""" IS NULL) THEN 0 ELSE ln("Fare ""amt""") END

