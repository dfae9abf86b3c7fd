-- Totals over an arbitrary run of months, for one or all indicators at one or all areas.
-- Parameters: $indicator and $area (NULL for all), $start and $end DATE (first days of the first and last month).
-- $public: read the protected counts of sensitive indicators (public mode).
WITH
parts AS (
    SELECT c.*
    FROM mat_contributors AS c
    WHERE ($indicator IS NULL OR c.indicator_id = $indicator)
      AND ($area IS NULL OR c.area_code = $area)
),
part_counts AS (
    SELECT indicator_id, area_code, count(*) AS n_parts FROM parts GROUP BY indicator_id, area_code
),
sums AS (
    SELECT
        p.indicator_id, p.area_code,
        sum(o.numerator) AS numerator,
        sum(o.denominator) AS explicit_denominator,
        count(*) AS n_rows,
        bool_or(o.is_demo) AS is_demo,
        string_agg(DISTINCT o.source_label, '; ' ORDER BY o.source_label) AS data_source
    FROM parts AS p
    JOIN observations_for($public) AS o ON o.indicator_id = p.indicator_id AND o.area_code = p.node_code
    JOIN stg_indicators AS i ON i.id = p.indicator_id
    -- why: a quarterly or annual figure counts only when its whole period lies inside the range
    WHERE p.is_stored
      AND o.period >= $start
      AND CAST(o.period + to_months(i.period_months - 1) AS DATE) <= $end
    GROUP BY p.indicator_id, p.area_code
)
SELECT
    s.indicator_id AS indicator,
    s.area_code,
    i.unit,
    i.multiplier,
    i.sensitive,
    s.numerator,
    CASE WHEN i.denominator_basis IN ('population', 'households') THEN pop.value ELSE s.explicit_denominator END AS denominator,
    -- why: the range is complete when every part has every whole period inside it
    s.n_rows = pc.n_parts * ((date_diff('month', CAST($start AS DATE), CAST($end AS DATE)) + 1) // i.period_months) AS complete,
    pop.year_used AS population_year,
    pop.interpolated AS population_interpolated,
    s.is_demo,
    s.data_source
FROM sums AS s
JOIN part_counts AS pc USING (indicator_id, area_code)
JOIN stg_indicators AS i ON i.id = s.indicator_id
LEFT JOIN mat_population AS pop
    ON pop.area_code = s.area_code
   AND pop.measure = CASE i.denominator_basis WHEN 'population' THEN 'persons' WHEN 'households' THEN 'households' END
   AND pop.year = year(CAST($end AS DATE))
ORDER BY s.indicator_id, s.area_code;
