-- The first and latest period held per indicator and area, and how many figures lie between.
SELECT o.indicator_id AS indicator, i.name AS indicator_name, o.area_code, a.name AS area_name, i.frequency,
       min(o.period) AS first_period, max(o.period) AS latest_period, count(*) AS figures,
       bool_or(l.is_demo) AS is_demo, string_agg(DISTINCT l.source_label, ', ') AS source
FROM observations AS o
JOIN indicators AS i ON i.id = o.indicator_id
JOIN areas AS a ON a.code = o.area_code
JOIN loads AS l USING (load_id)
WHERE ($indicator IS NULL OR o.indicator_id = $indicator)
GROUP BY ALL
ORDER BY o.indicator_id, o.area_code
