-- The runs cached under the planned fingerprints. {{fingerprints}}: quoted fingerprints.
SELECT run_id, fingerprint, qps FROM runs WHERE fingerprint IN ({{fingerprints}})
