"""The analytics jobs as a Spark application, for `spark-submit` on a cluster.

    spark-submit --master yarn --deploy-mode cluster \\
        --py-files fupin-<version>-py3-none-any.whl \\
        fupin/analytics/spark_job.py \\
        --snapshot hdfs://nn/fupin/snapshots/<id> --jobs indicators,duplicates,checks \\
        [--keyed-list hdfs://nn/fupin/lists/00-deaths.parquet …] [--out hdfs://nn/fupin/out/<id>]

(or `python -m fupin.analytics.spark_job …` where pyspark runs the driver itself). The master,
executors and their memory are spark-submit's options; this module takes the session Spark made.
The driver needs fupin and its dependencies (ibis, pyarrow); the executors run Spark SQL only
(the expressions compile to SQL on the driver), so the wheel on `--py-files` is enough for them.
Department lists arrive keyed (`fupin analytics --key-lists-to DIR` on a machine holding the
secret): no ID number and no secret go to the cluster.
"""

from __future__ import annotations

import argparse
import sys


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fupin.analytics.spark_job",
        description="在 Spark 上对快照运行分析作业 / the analytics jobs of a snapshot on Spark",
    )
    p.add_argument("--snapshot", required=True, metavar="URI", help="快照 URI 或文件夹")
    p.add_argument(
        "--jobs",
        default="indicators,duplicates,checks",
        help="indicators,duplicates,checks,matching",
    )
    p.add_argument("--out", metavar="URI", help="结果位置 (default: <snapshot>-analytics)")
    p.add_argument(
        "--year",
        type=int,
        help="检查年度（默认：快照中最近的收入年度）/ the checks' year (default: latest income year)",
    )
    p.add_argument("--keyed-list", action="append", default=[], metavar="URI")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from pyspark.sql import SparkSession

    from fupin.analytics.engines import SparkEngine, apply_defaults, locate
    from fupin.analytics.jobs import JobError, default_out, run_jobs

    jobs = [j.strip() for j in args.jobs.split(",") if j.strip()]
    if args.keyed_list and "matching" not in jobs:
        jobs.append("matching")
    # The session spark-submit configured (master, executors, memory); a plain run gets Spark's
    # defaults (local mode). Our SQL settings only where spark-submit's --conf gave none.
    session = SparkSession.builder.appName("fupin-analytics").getOrCreate()
    apply_defaults(session)
    engine = SparkEngine(locate(args.snapshot), session)
    try:
        out = args.out or default_out(engine.snapshot, str(engine.manifest()["snapshot_id"]))
        runs = run_jobs(
            engine,
            jobs,
            out,
            year=args.year,
            keyed_lists=args.keyed_list,
            progress=lambda m: print(m, file=sys.stderr, flush=True),
        )
    except JobError as exc:
        print(f"fupin.analytics.spark_job: error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.close()
    for run in runs:
        for dest in run.outputs:
            print(dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
