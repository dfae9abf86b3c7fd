-- Every load, newest first, with how many stored figures still carry it.
SELECT l.load_id, l.file_name, l.kind, l.source_label, l.is_demo, l.sha256, l.rows_read, l.rows_loaded,
       l.rows_unallocated, l.rows_replaced, l.loaded_at,
       -- why: a later load of the same months takes figures over, so a load can hold fewer than it wrote
       coalesce(h.figures_held, 0) AS figures_held
FROM loads AS l
LEFT JOIN (SELECT load_id, count(*) AS figures_held FROM observations GROUP BY load_id) AS h USING (load_id)
ORDER BY l.load_id DESC
LIMIT $limit
