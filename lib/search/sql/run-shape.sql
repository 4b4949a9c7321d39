-- What a search needs to know of a stored run's requests: its distinct prompt lengths (the prefill table must
-- cover them) and the output tokens it requested in all (bounds the pooled TBT count when settling early).
-- {{run_id}} is a quoted string literal.
SELECT
  list(DISTINCT coalesce(prompt_tokens, prompt_tokens_requested) ORDER BY coalesce(prompt_tokens, prompt_tokens_requested))
    FILTER (WHERE coalesce(prompt_tokens, prompt_tokens_requested) IS NOT NULL) AS prompt_lengths,
  coalesce(sum(output_tokens_requested), 0)::BIGINT AS output_tokens_requested,
  count(*)::BIGINT AS requests
FROM requests
WHERE run_id = {{run_id}}
