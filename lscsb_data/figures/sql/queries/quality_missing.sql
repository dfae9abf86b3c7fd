-- Periods missing inside each series: between its first and latest period, on the indicator's own grid.
WITH spans AS (
    SELECT o.indicator_id, o.area_code, i.frequency, min(o.period) AS first_period, max(o.period) AS latest_period
    FROM observations AS o JOIN indicators AS i ON i.id = o.indicator_id
    WHERE ($indicator IS NULL OR o.indicator_id = $indicator)
    GROUP BY ALL
),
expected AS (
    -- why: quarterly figures are stored every third month and annual ones every twelfth, so only those are due
    SELECT indicator_id, area_code, frequency, unnest(generate_series(
        first_period, latest_period,
        CASE frequency WHEN 'quarterly' THEN INTERVAL 3 MONTH WHEN 'annual' THEN INTERVAL 12 MONTH ELSE INTERVAL 1 MONTH END
    ))::DATE AS period
    FROM spans
)
SELECT e.indicator_id AS indicator, e.area_code, a.name AS area_name, e.frequency, e.period
FROM expected AS e
JOIN areas AS a ON a.code = e.area_code
LEFT JOIN observations AS o USING (indicator_id, area_code, period)
WHERE o.indicator_id IS NULL
ORDER BY e.indicator_id, e.area_code, e.period
