-- Current and previous window for every indicator and area at one period end.
-- Parameters: $period_end DATE, $comparison 'rolling12' | 'quarter', $indicator (NULL for all), $areas (a list, NULL for all).
-- $public: read the protected counts of sensitive indicators (public mode).
WITH
windows AS (
    SELECT
        i.id AS indicator_id,
        i.period_months,
        -- why: the quarterly comparison takes the latest whole financial quarter for monthly and quarterly figures
        CASE WHEN $comparison = 'quarter' THEN window_end($period_end, 'quarterly')
             ELSE window_end($period_end, i.frequency) END AS cur_end,
        CASE WHEN $comparison = 'quarter' THEN 3 ELSE 12 END AS span_months
    FROM stg_indicators AS i
    WHERE ($indicator IS NULL OR i.id = $indicator)
      -- why: an annual figure has no quarter to compare
      AND NOT ($comparison = 'quarter' AND i.frequency = 'annual')
),
bounds AS (
    SELECT
        *,
        CAST(cur_end - to_months(span_months - 1) AS DATE) AS cur_start,
        CAST(cur_end - to_months(12) AS DATE) AS prev_end,
        CAST(cur_end - to_months(span_months + 11) AS DATE) AS prev_start,
        span_months // period_months AS periods_expected
    FROM windows
),
parts AS (
    SELECT c.*
    FROM mat_contributors AS c
    WHERE ($areas IS NULL OR list_contains($areas, c.area_code))
      AND c.indicator_id IN (SELECT indicator_id FROM bounds)
),
part_counts AS (
    SELECT indicator_id, area_code, count(*) AS n_parts FROM parts GROUP BY indicator_id, area_code
),
sums AS (
    SELECT
        p.indicator_id,
        p.area_code,
        sum(o.numerator) FILTER (WHERE o.period >= b.cur_start) AS cur_num,
        sum(o.denominator) FILTER (WHERE o.period >= b.cur_start) AS cur_den,
        count(*) FILTER (WHERE o.period >= b.cur_start) AS cur_rows,
        sum(o.numerator) FILTER (WHERE o.period <= b.prev_end) AS prev_num,
        sum(o.denominator) FILTER (WHERE o.period <= b.prev_end) AS prev_den,
        count(*) FILTER (WHERE o.period <= b.prev_end) AS prev_rows,
        bool_or(o.is_demo) AS is_demo,
        array_to_string(list_sort(list_distinct(list(o.source_label))), '; ') AS data_source
    FROM parts AS p
    JOIN bounds AS b USING (indicator_id)
    JOIN observations_for($public) AS o
        ON o.indicator_id = p.indicator_id
       AND o.area_code = p.node_code
       AND o.period BETWEEN b.prev_start AND b.cur_end
    WHERE p.is_stored
      AND (o.period >= b.cur_start OR o.period <= b.prev_end)
    GROUP BY p.indicator_id, p.area_code
),
joined AS (
    SELECT
        s.*,
        b.cur_start, b.cur_end, b.prev_start, b.prev_end, b.periods_expected,
        pc.n_parts,
        i.unit, i.multiplier, i.denominator_basis, i.polarity, i.band_low, i.band_high, i.sensitive,
        i.theme_order, i.sort_order,
        a.type_order, a.name AS area_name,
        -- why: a window's rate uses the population of the calendar year in which it ends
        CASE i.denominator_basis WHEN 'population' THEN 'persons' WHEN 'households' THEN 'households' END AS pop_measure
    FROM sums AS s
    JOIN bounds AS b USING (indicator_id)
    JOIN part_counts AS pc USING (indicator_id, area_code)
    JOIN stg_indicators AS i ON i.id = s.indicator_id
    JOIN stg_areas AS a ON a.code = s.area_code
)
SELECT
    j.indicator_id AS indicator,
    j.area_code,
    j.area_name,
    j.cur_start AS current_start,
    j.cur_end AS current_end,
    j.prev_start AS previous_start,
    j.prev_end AS previous_end,
    j.unit,
    j.multiplier,
    j.polarity,
    j.sensitive,
    j.band_low,
    j.band_high,
    j.cur_num AS current_numerator,
    CASE WHEN j.pop_measure IS NOT NULL THEN pc.value ELSE j.cur_den END AS current_denominator,
    j.prev_num AS previous_numerator,
    CASE WHEN j.pop_measure IS NOT NULL THEN pp.value ELSE j.prev_den END AS previous_denominator,
    -- why: a window is complete only when every part has every period; a gap is flagged, never silently summed
    j.cur_rows = j.n_parts * j.periods_expected AS current_complete,
    j.prev_rows = j.n_parts * j.periods_expected AS previous_complete,
    pc.year_used AS current_population_year,
    pc.interpolated AS current_population_interpolated,
    pp.year_used AS previous_population_year,
    pp.interpolated AS previous_population_interpolated,
    j.is_demo,
    j.data_source
FROM joined AS j
LEFT JOIN mat_population AS pc
    ON pc.area_code = j.area_code AND pc.measure = j.pop_measure AND pc.year = year(j.cur_end)
LEFT JOIN mat_population AS pp
    ON pp.area_code = j.area_code AND pp.measure = j.pop_measure AND pp.year = year(j.prev_end)
ORDER BY j.theme_order, j.sort_order, j.type_order, j.area_name;
