-- The rolling 12-month windows ending 0, 12, 24 ... months before the latest whole period at one period end:
-- the points of the recent-trend test, for one or all indicators at some or all areas.
-- Parameters: $period_end DATE, $n_windows INTEGER, $indicator (NULL for all), $areas (a list, NULL for all).
-- $public: read the protected counts of sensitive indicators (public mode).
WITH
bounds AS (
    SELECT
        i.id AS indicator_id,
        w.back,
        i.period_months,
        -- why: windows step back a whole year from the latest whole period, so they never overlap
        CAST(window_end($period_end, i.frequency) - to_months(12 * w.back) AS DATE) AS win_end
    FROM stg_indicators AS i
    CROSS JOIN (SELECT unnest(range($n_windows)) AS back) AS w
    WHERE $indicator IS NULL OR i.id = $indicator
),
windows AS (
    SELECT *, CAST(win_end - to_months(11) AS DATE) AS win_start, 12 // period_months AS periods_expected FROM bounds
),
parts AS (
    SELECT c.*
    FROM mat_contributors AS c
    WHERE ($areas IS NULL OR list_contains($areas, c.area_code))
      AND c.indicator_id IN (SELECT DISTINCT indicator_id FROM windows)
),
part_counts AS (
    SELECT indicator_id, area_code, count(*) AS n_parts FROM parts GROUP BY indicator_id, area_code
),
sums AS (
    SELECT
        p.indicator_id, p.area_code, w.back,
        sum(o.numerator) AS numerator,
        sum(o.denominator) AS explicit_denominator,
        count(*) AS n_rows
    FROM parts AS p
    JOIN windows AS w USING (indicator_id)
    JOIN observations_for($public) AS o
        ON o.indicator_id = p.indicator_id AND o.area_code = p.node_code AND o.period BETWEEN w.win_start AND w.win_end
    WHERE p.is_stored
    GROUP BY p.indicator_id, p.area_code, w.back
)
SELECT
    s.indicator_id AS indicator,
    s.area_code,
    s.back,
    w.win_start AS window_start,
    w.win_end AS window_end,
    i.unit,
    i.multiplier,
    i.sensitive,
    s.numerator,
    CASE WHEN i.denominator_basis IN ('population', 'households') THEN pop.value ELSE s.explicit_denominator END AS denominator,
    -- why: a window is complete only when every part has every period, as in the summary
    s.n_rows = pc.n_parts * w.periods_expected AS complete
FROM sums AS s
JOIN windows AS w USING (indicator_id, back)
JOIN part_counts AS pc USING (indicator_id, area_code)
JOIN stg_indicators AS i ON i.id = s.indicator_id
-- why: a window's rate uses the population of the calendar year in which it ends
LEFT JOIN mat_population AS pop
    ON pop.area_code = s.area_code
   AND pop.measure = CASE i.denominator_basis WHEN 'population' THEN 'persons' WHEN 'households' THEN 'households' END
   AND pop.year = year(w.win_end)
ORDER BY s.indicator_id, s.area_code, s.back DESC;
