-- Every stored observation in the tidy load format, with its source and whether it is demonstration data.
-- No parameters.
SELECT
    o.indicator_id AS indicator,
    o.area_code,
    strftime(o.period, '%Y-%m') AS period,
    o.numerator,
    o.denominator,
    -- why: an extract travels without the dashboard, so each figure carries its source and demo flag
    o.source_label AS source,
    o.is_demo
FROM stg_observations AS o
ORDER BY o.indicator_id, o.area_code, o.period;
