-- The board indicator and police.uk counterpart of an indicator (either side of the pair), with why they differ.
SELECT indicator, counterpart, why_they_differ FROM indicator_counterparts
WHERE indicator = $indicator OR counterpart = $indicator
