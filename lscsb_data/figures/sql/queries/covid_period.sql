-- The force's COVID-19 period comparison (8 March - 24 May 2019 against the same dates in 2020).
-- No parameters.
SELECT
    measure,
    count_2019,
    count_2020,
    count_2020 - count_2019 AS change,
    -- why: the dashboard's own percentage change is computed from the counts, never copied from the paper
    CASE WHEN count_2019 > 0 THEN (count_2020 - count_2019) * 100.0 / count_2019 END AS change_pct,
    all_forces_pct_change,
    sort_order
FROM covid_period
ORDER BY sort_order;
