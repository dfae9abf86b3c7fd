-- One row per police.uk force ("Reported by") and month held: every row counted (crimes and ASB), the rows with
-- no location, and the rows placed in no district (no location, or an LSOA no lookup places).
WITH district AS (
    SELECT c.reported_by, c.period, sum(c.count) AS rows,
           -- why: the force's no-location area holds both the rows with no location and those no lookup places
           coalesce(sum(c.count) FILTER (WHERE a.type = 'unallocated'), 0) AS unplaced
    FROM policeuk_counts AS c JOIN areas AS a ON a.code = c.area_code
    -- why: all crime plus ASB is every row once (all crime also holds the types the catalogue does not list)
    WHERE c.indicator_id IN ('policeuk_all_crime', 'policeuk_anti_social_behaviour')
    GROUP BY ALL
),
places AS (
    SELECT reported_by, period,
           coalesce(sum(count) FILTER (WHERE lsoa_code IS NULL AND lsoa_name IS NULL), 0) AS no_location
    FROM policeuk_lsoa_counts GROUP BY ALL
)
-- why: months loaded as district counts only (tidy files) hold no places, so their no-location rows are unknown
SELECT d.reported_by, d.period, d.rows, p.no_location, d.unplaced
FROM district AS d LEFT JOIN places AS p USING (reported_by, period)
ORDER BY d.reported_by, d.period
