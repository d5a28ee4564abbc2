"""FOI-ready tables: a catalogue defined once (include/foi/catalogue.yml + include/sql/foi/), built into
the warehouse's `foi` schema, disclosure-controlled and published as tidy CSVs in the DfE layout and one
workbook, with benchmarking against England, the region and the statistical neighbours.

Modules: `catalogue` (the tables' metadata), `disclosure` (suppression, pure Python), `build` (the foi
schema), `export` and `workbook` (the files), `neighbours` (the DfE statistical neighbour list),
`steps` (what the foi_tables DAG calls). No Airflow imports anywhere in the package.
"""
