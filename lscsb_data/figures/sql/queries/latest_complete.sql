-- Each indicator's latest complete period for each area: the last month of the latest period in which every part
-- of the area has a figure.
-- Parameters: $areas (a list, NULL for all), $indicators (a list, NULL for all).
WITH
parts AS (
    SELECT * FROM mat_contributors
    WHERE ($areas IS NULL OR list_contains($areas, area_code))
      AND ($indicators IS NULL OR list_contains($indicators, indicator_id))
),
part_counts AS (SELECT indicator_id, area_code, count(*) AS n_parts FROM parts GROUP BY ALL),
per_period AS (
    SELECT p.indicator_id, p.area_code, o.period, count(*) AS n_rows
    FROM parts AS p JOIN observations AS o ON o.indicator_id = p.indicator_id AND o.area_code = p.node_code
    WHERE p.is_stored GROUP BY ALL
)
SELECT
    pp.indicator_id AS indicator,
    pp.area_code,
    -- why: a period is complete for an area only when every part has its figure (a gap is never summed over)
    max(CAST(pp.period + to_months(i.period_months - 1) AS DATE)) AS last_month
FROM per_period AS pp
JOIN part_counts USING (indicator_id, area_code)
JOIN stg_indicators AS i ON i.id = pp.indicator_id
WHERE pp.n_rows = part_counts.n_parts
GROUP BY ALL
ORDER BY indicator, area_code;
