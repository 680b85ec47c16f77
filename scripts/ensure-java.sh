#!/usr/bin/env bash
# Install Debian's Java 17 runtime when missing: PySpark (the analytics layer's cluster engine)
# runs on it, and the tests run the same computations on Spark in local mode. Needs root.
set -euo pipefail
if ! command -v java >/dev/null 2>&1; then
  echo "ensure-java: installing openjdk-17-jre-headless…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >&2
fi
