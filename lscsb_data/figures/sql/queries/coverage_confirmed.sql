-- Loads whose analyst confirmed that a police.uk month with far fewer rows should replace the one held.
SELECT load_id, loaded_at, file_name, note
FROM loads
WHERE note LIKE '%as confirmed (--confirm-fewer-rows)%'
ORDER BY load_id DESC
