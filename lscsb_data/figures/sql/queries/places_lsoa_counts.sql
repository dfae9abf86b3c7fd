-- police.uk rows per LSOA of an area over the months $start..$end: every 2011 LSOA of the area's local authorities
-- (zero when it has none), and any other LSOA code with rows counted in them (2021 codes, codes in no lookup).
WITH leaves AS (SELECT leaf_code FROM int_area_leaves WHERE area_code = $area),
counted AS (
    SELECT lsoa_code, any_value(lsoa_name) AS lsoa_name, any_value(area_code) AS area_code, sum(count) AS count
    FROM policeuk_lsoa_counts
    WHERE area_code IN (SELECT leaf_code FROM leaves) AND lsoa_code IS NOT NULL AND period BETWEEN $start AND $end
      -- why: police.uk's all crime is every type but ASB, including types the catalogue does not list
      AND (indicator_id = $indicator OR ($indicator = 'policeuk_all_crime' AND indicator_id <> 'policeuk_anti_social_behaviour'))
    GROUP BY lsoa_code
),
listed AS (
    SELECT lsoa_code, lsoa_name, la_code AS area_code FROM lsoas
    WHERE census = 2011 AND la_code IN (SELECT leaf_code FROM leaves)
)
SELECT coalesce(l.lsoa_code, c.lsoa_code) AS lsoa_code,
       coalesce(s.lsoa_name, c.lsoa_name, l.lsoa_name) AS lsoa_name,
       coalesce(c.area_code, l.area_code) AS area_code,
       s.lsoa11_code, s.census,
       CAST(coalesce(c.count, 0) AS BIGINT) AS count
FROM listed AS l
FULL JOIN counted AS c USING (lsoa_code)
LEFT JOIN lsoas AS s ON s.lsoa_code = coalesce(l.lsoa_code, c.lsoa_code)
ORDER BY count DESC, lsoa_code
