export const HELP = `headroom: the capacity (highest QPS meeting latency SLOs) of LLM inference servers

Usage
  npx zx run.mjs <workflow.yml> [options]          search every job's capacity for every SLO
  npx zx run.mjs bench <workflow.yml> --qps 2,4,8  one run per job and QPS (no search), with its figures
  npx zx run.mjs profile <workflow.yml>            prefill profiles (fit + ONNX predictor) per model x system
  npx zx run.mjs report <workflow.yml>             HTML report with charts from the cache
  npx zx run.mjs sql "<query>" [--json|--csv]      query the results (views: runs, requests, tokens, ...)
  npx zx run.mjs conformance <cases.json>          check the metric code against golden cases
  npx zx run.mjs calibrate                         the load client's own ceiling on this machine

Options
  --cache DIR           where runs, profiles, logs and reports live (default ./cache)
  --dry-run             print the plan (jobs, SLOs, fingerprints, cached runs, GPU packing) and exit
  --only PATTERN        run only jobs whose id contains PATTERN (* matches anything)
  --executor KIND       local, slurm or ssh (default: the workflow's executor, else local)
  --gpus LIST           GPU indices to pack jobs onto (e.g. 0,1,2,3), instead of the workflow's or detected ones
  --strategy NAME       headroom or etalon (default: the workflow's search.strategy)
  --help                this text

Exit codes
  0 done (an SLO that no QPS meets is a result)   2 invalid workflow or arguments
  3 a server failed to start or died              130 interrupted
  1 anything else (a bug, or failed conformance cases)
`;
