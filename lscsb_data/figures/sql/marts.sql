-- Marts: the figures the engine's named queries read.

-- The last month of the latest whole period of a frequency ending at or before p.
-- why: quarterly figures end in Jun/Sep/Dec/Mar and annual ones in March (financial quarters and years)
CREATE OR REPLACE MACRO window_end(p, freq) AS CAST(
    CASE freq
        WHEN 'monthly' THEN p
        WHEN 'quarterly' THEN p - to_months(month(p) % 3)
        WHEN 'annual' THEN p - to_months((month(p) + 9) % 12)
    END AS DATE);

-- For each indicator and area, the areas whose stored rows make up its figure.
-- why: an area's figure is its own stored rows if it has any, else the sum of its parts' (recursively),
-- so an aggregate is never stored twice and an LLR-wide indicator can still be stored at the force.
CREATE OR REPLACE VIEW int_contributors AS
WITH RECURSIVE
stored AS (SELECT DISTINCT indicator_id, area_code FROM observations),
walk (indicator_id, area_code, node_code, is_stored) AS (
    SELECT i.id, a.code, a.code, s.area_code IS NOT NULL
    FROM indicators AS i
    CROSS JOIN areas AS a
    LEFT JOIN stored AS s ON s.indicator_id = i.id AND s.area_code = a.code
    UNION ALL
    SELECT w.indicator_id, w.area_code, c.code, s.area_code IS NOT NULL
    FROM walk AS w
    JOIN stg_areas AS p ON p.code = w.node_code AND p.is_aggregate
    JOIN areas AS c ON c.parent_code = p.code
    LEFT JOIN stored AS s ON s.indicator_id = w.indicator_id AND s.area_code = c.code
    WHERE NOT w.is_stored
)
SELECT w.indicator_id, w.area_code, w.node_code, w.is_stored
FROM walk AS w
JOIN stg_areas AS n ON n.code = w.node_code
-- why: a leaf without rows is a missing part, except one without residents (the "no location" bucket), which may truly be empty
WHERE w.is_stored OR (NOT n.is_aggregate AND n.has_residents)
QUALIFY bool_or(w.is_stored) OVER (PARTITION BY w.indicator_id, w.area_code);

-- Every area with the leaf areas whose population it sums (a leaf lists itself).
CREATE OR REPLACE VIEW int_area_leaves AS
WITH RECURSIVE walk (area_code, node_code) AS (
    SELECT code, code FROM areas
    UNION ALL
    SELECT w.area_code, c.code
    FROM walk AS w
    JOIN stg_areas AS p ON p.code = w.node_code AND p.is_aggregate
    JOIN areas AS c ON c.parent_code = p.code
)
SELECT w.area_code, w.node_code AS leaf_code
FROM walk AS w
JOIN stg_areas AS n ON n.code = w.node_code
WHERE NOT n.is_aggregate AND n.has_residents;

-- Population per area, measure and year for every year 1990-2050, from the years actually known.
-- why: between two known years the value is interpolated linearly (no jump from the 2011 Census to a
-- later estimate); outside them the nearest known year is used; year_used and interpolated say which.
CREATE OR REPLACE VIEW int_population_direct AS
WITH
years AS (SELECT CAST(range AS INTEGER) AS year FROM range(1990, 2051)),
grid AS (SELECT DISTINCT k.area_code, k.measure, y.year FROM stg_population_known AS k CROSS JOIN years AS y)
SELECT
    g.area_code,
    g.measure,
    g.year,
    CASE
        WHEN lo.year = g.year THEN lo.value
        WHEN lo.year IS NOT NULL AND hi.year IS NOT NULL
            THEN lo.value + (hi.value - lo.value) * (g.year - lo.year) / (hi.year - lo.year)
        ELSE coalesce(lo.value, hi.value)
    END AS value,
    CASE WHEN lo.year IS NOT NULL AND hi.year IS NOT NULL THEN g.year ELSE coalesce(lo.year, hi.year) END AS year_used,
    coalesce(lo.year IS NOT NULL AND hi.year IS NOT NULL AND lo.year <> g.year, false) AS interpolated
FROM grid AS g
ASOF LEFT JOIN stg_population_known AS lo
    ON g.area_code = lo.area_code AND g.measure = lo.measure AND g.year >= lo.year
ASOF LEFT JOIN stg_population_known AS hi
    ON g.area_code = hi.area_code AND g.measure = hi.measure AND g.year <= hi.year;

-- Population of every area, aggregates included.
-- why: an area with its own population (a region) uses it; an aggregate is the sum of its leaves,
-- and unknown if any leaf's is unknown, so a rate is never computed on part of the population.
CREATE OR REPLACE VIEW mart_population AS
WITH leaf_counts AS (SELECT area_code, count(*) AS n_leaves FROM int_area_leaves GROUP BY area_code),
summed AS (
    SELECT
        l.area_code, d.measure, d.year,
        sum(d.value) AS value,
        max(d.year_used) AS year_used,
        bool_or(d.interpolated) AS interpolated,
        count(*) AS n_known
    FROM int_area_leaves AS l
    JOIN int_population_direct AS d ON d.area_code = l.leaf_code
    GROUP BY l.area_code, d.measure, d.year
)
SELECT area_code, measure, year, value, year_used, interpolated FROM int_population_direct
UNION ALL
SELECT s.area_code, s.measure, s.year, s.value, s.year_used, s.interpolated
FROM summed AS s
JOIN leaf_counts AS c USING (area_code)
WHERE s.n_known = c.n_leaves
  AND NOT EXISTS (
      SELECT 1 FROM stg_population_known AS k WHERE k.area_code = s.area_code AND k.measure = s.measure
  );

-- The observations every figure is computed from: as stored, or in public mode with the sensitive
-- indicators' rows swapped for their protected copy (figures/publication.py writes mat_published_observations).
-- why: one place where public mode changes the input, so no query can reach a stored sensitive count
CREATE TABLE IF NOT EXISTS mat_published_observations AS SELECT * FROM stg_observations WHERE false;
CREATE OR REPLACE MACRO observations_for(public) AS TABLE
SELECT o.* FROM stg_observations AS o
WHERE NOT (public AND o.indicator_id IN (SELECT p.indicator_id FROM mat_published_observations AS p))
UNION ALL
SELECT p.* FROM mat_published_observations AS p WHERE public;
