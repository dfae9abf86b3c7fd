-- Each period's figure and its rolling 12-month figure, for one or all indicators at one or all areas.
-- Parameters: $indicator and $area (NULL for all), $areas (a list of area codes, NULL for all), $start and $end DATE
-- (NULL for all periods).
-- $public: read the protected counts of sensitive indicators (public mode).
WITH
parts AS (
    SELECT c.*
    FROM mat_contributors AS c
    WHERE ($indicator IS NULL OR c.indicator_id = $indicator)
      AND ($area IS NULL OR c.area_code = $area)
      AND ($areas IS NULL OR list_contains($areas, c.area_code))
),
part_counts AS (
    SELECT indicator_id, area_code, count(*) AS n_parts FROM parts GROUP BY indicator_id, area_code
),
per_period AS (
    SELECT
        p.indicator_id, p.area_code, o.period,
        sum(o.numerator) AS numerator,
        sum(o.denominator) AS explicit_denominator,
        count(*) AS n_rows,
        bool_or(o.is_demo) AS is_demo,
        string_agg(DISTINCT o.source_label, '; ' ORDER BY o.source_label) AS data_source
    FROM parts AS p
    JOIN observations_for($public) AS o ON o.indicator_id = p.indicator_id AND o.area_code = p.node_code
    WHERE p.is_stored
    GROUP BY p.indicator_id, p.area_code, o.period
),
-- why: every period between the first and last held is listed, so a gap shows as a missing value, not a join
spans AS (
    SELECT indicator_id, area_code, min(period) AS first_period, max(period) AS last_period
    FROM per_period GROUP BY indicator_id, area_code
),
grid AS (
    SELECT s.indicator_id, s.area_code, CAST(g.period AS DATE) AS period, i.period_months
    FROM spans AS s
    JOIN stg_indicators AS i ON i.id = s.indicator_id
    CROSS JOIN LATERAL (
        SELECT unnest(generate_series(s.first_period, s.last_period, to_months(i.period_months))) AS period
    ) AS g
),
filled AS (
    SELECT g.*, pp.numerator, pp.explicit_denominator, coalesce(pp.n_rows, 0) AS n_rows, pp.is_demo, pp.data_source
    FROM grid AS g
    LEFT JOIN per_period AS pp USING (indicator_id, area_code, period)
),
rolled AS (
    -- why: the rolling figure at a period sums the 12 months ending with that period's last month
    SELECT
        f.indicator_id, f.area_code, f.period,
        sum(w.numerator) AS rolling_numerator,
        sum(w.explicit_denominator) AS rolling_explicit_denominator,
        sum(w.n_rows) AS rolling_rows
    FROM filled AS f
    JOIN filled AS w
        ON w.indicator_id = f.indicator_id AND w.area_code = f.area_code
       AND w.period BETWEEN CAST(f.period - to_months(12 - f.period_months) AS DATE) AND f.period
    GROUP BY f.indicator_id, f.area_code, f.period
),
shaped AS (
    SELECT
        f.*,
        CAST(f.period + to_months(f.period_months - 1) AS DATE) AS period_end,
        r.rolling_numerator, r.rolling_explicit_denominator, r.rolling_rows,
        pc.n_parts,
        i.unit, i.multiplier, i.denominator_basis, i.sensitive,
        CASE i.denominator_basis WHEN 'population' THEN 'persons' WHEN 'households' THEN 'households' END AS pop_measure
    FROM filled AS f
    JOIN rolled AS r USING (indicator_id, area_code, period)
    JOIN part_counts AS pc USING (indicator_id, area_code)
    JOIN stg_indicators AS i ON i.id = f.indicator_id
)
SELECT
    s.indicator_id AS indicator,
    s.area_code,
    s.period,
    s.period_end,
    s.unit,
    s.multiplier,
    s.sensitive,
    s.numerator,
    CASE WHEN s.pop_measure IS NOT NULL THEN pop.value ELSE s.explicit_denominator END AS denominator,
    s.n_rows = s.n_parts AS complete,
    s.rolling_numerator,
    CASE WHEN s.pop_measure IS NOT NULL THEN pop.value ELSE s.rolling_explicit_denominator END AS rolling_denominator,
    s.rolling_rows = s.n_parts * (12 // s.period_months) AS rolling_complete,
    pop.year_used AS population_year,
    pop.interpolated AS population_interpolated,
    s.is_demo,
    s.data_source
FROM shaped AS s
LEFT JOIN mat_population AS pop
    ON pop.area_code = s.area_code AND pop.measure = s.pop_measure AND pop.year = year(s.period_end)
WHERE ($start IS NULL OR s.period >= $start)
  AND ($end IS NULL OR s.period <= $end)
ORDER BY s.indicator_id, s.area_code, s.period;
