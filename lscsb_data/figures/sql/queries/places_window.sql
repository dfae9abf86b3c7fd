-- For an area and the months $start..$end: the months held for its local authorities (police.uk counts, zeros
-- included), the rows of the indicator counted in them per LSOA, and those with no LSOA code (placed by name alone).
WITH leaves AS (SELECT leaf_code FROM int_area_leaves WHERE area_code = $area)
SELECT
    (SELECT count(DISTINCT period) FROM policeuk_counts
     WHERE area_code IN (SELECT leaf_code FROM leaves) AND period BETWEEN $start AND $end) AS months_held,
    (SELECT count(DISTINCT period) FROM policeuk_lsoa_counts
     WHERE area_code IN (SELECT leaf_code FROM leaves) AND period BETWEEN $start AND $end) AS months_with_places,
    CAST(coalesce(sum(count), 0) AS BIGINT) AS rows,
    CAST(coalesce(sum(count) FILTER (WHERE lsoa_code IS NULL), 0) AS BIGINT) AS rows_without_lsoa
FROM policeuk_lsoa_counts
WHERE area_code IN (SELECT leaf_code FROM leaves) AND period BETWEEN $start AND $end
  -- why: police.uk's all crime is every type but ASB, including types the catalogue does not list
  AND (indicator_id = $indicator OR ($indicator = 'policeuk_all_crime' AND indicator_id <> 'policeuk_anti_social_behaviour'))
