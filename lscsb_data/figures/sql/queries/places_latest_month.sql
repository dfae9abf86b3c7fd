-- The latest month at or before $period with police.uk counts for any of the area's local authorities.
-- why: the app keeps one period, and police.uk's months may end before it (docs/methods.md)
WITH leaves AS (SELECT leaf_code FROM int_area_leaves WHERE area_code = $area)
SELECT max(period) FROM policeuk_counts
WHERE area_code IN (SELECT leaf_code FROM leaves) AND period <= $period
