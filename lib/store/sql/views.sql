-- The public views. {{runs}}, {{requests}}, {{server_samples}} and {{capacities}} are replaced by read_parquet(...)
-- over the cache's files (absolute paths), or over the empty schema files while the cache holds none.
CREATE OR REPLACE VIEW runs AS SELECT * FROM {{runs}};
CREATE OR REPLACE VIEW requests AS
  SELECT * EXCLUDE (token_ns), len(token_ns)::INTEGER AS tokens_recorded, token_ns FROM {{requests}};
-- Token times live as one list per request in requests.parquet: evaluating lists needs no sort, where window
-- functions over a flat token table sort every time (measured: see bench/RESULTS.md, ## Metrics).
CREATE OR REPLACE VIEW tokens AS
  SELECT run_id, request_idx, (generate_subscripts(token_ns, 1) - 1)::INTEGER AS idx, unnest(token_ns) AS t_ns
  FROM {{requests}};
CREATE OR REPLACE VIEW server_samples AS SELECT * FROM {{server_samples}};
CREATE OR REPLACE VIEW capacities AS SELECT * FROM {{capacities}};
