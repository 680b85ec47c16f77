"""Registry-wide computations on Parquet snapshots: Ibis expressions written once, run by DuckDB
in-process or by Spark on a cluster. Pure: nothing here imports Django."""
