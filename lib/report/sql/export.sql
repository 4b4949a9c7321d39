-- One public view to one file. {{view}}: a view name; {{path}}: quoted target; {{format}}: the COPY options.
COPY (SELECT * FROM {{view}}) TO {{path}} ({{format}})
