-- The police force an area sums into (itself for a force), walking up its parents; none for areas outside a force.
WITH RECURSIVE up (code, parent_code, type, depth) AS (
    SELECT code, parent_code, type, 0 FROM areas WHERE code = $area
    UNION ALL
    SELECT a.code, a.parent_code, a.type, up.depth + 1 FROM up JOIN areas AS a ON a.code = up.parent_code
)
SELECT code FROM up WHERE type = 'force' ORDER BY depth LIMIT 1
