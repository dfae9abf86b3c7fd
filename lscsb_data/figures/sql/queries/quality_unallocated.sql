-- police.uk rows with no location per force and month, beside all the force's rows.
WITH counts AS (
    SELECT o.period, a.type, o.numerator,
           -- why: a district sums into its county before the force, so the force is the parent or the grandparent
           CASE WHEN p.type = 'force' THEN p.code WHEN g.type = 'force' THEN g.code END AS force_code
    FROM observations AS o
    JOIN areas AS a ON a.code = o.area_code
    LEFT JOIN areas AS p ON p.code = a.parent_code
    LEFT JOIN areas AS g ON g.code = p.parent_code
    -- why: every police.uk row counts once under its crime type; the all-crime total would count it again
    WHERE o.indicator_id LIKE 'policeuk\_%' ESCAPE '\' AND o.indicator_id <> 'policeuk_all_crime'
)
SELECT c.period, c.force_code, f.name AS force_name,
       sum(c.numerator) FILTER (WHERE c.type = 'unallocated') AS unallocated,
       sum(c.numerator) AS force_rows,
       round(100.0 * sum(c.numerator) FILTER (WHERE c.type = 'unallocated') / nullif(sum(c.numerator), 0), 2) AS unallocated_pct
FROM counts AS c JOIN areas AS f ON f.code = c.force_code
GROUP BY ALL
HAVING count(*) FILTER (WHERE c.type = 'unallocated') > 0
ORDER BY c.period DESC, c.force_code
