"""bench/bench_assess_db.py's registry cache: copied only for the same key, kept with its key."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_assess_db", ROOT / "bench" / "bench_assess_db.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


KEY = {"preset": "gansu", "seed": 2019, "counties": 2, "config": "abc"}


def test_a_loaded_registry_is_kept_and_copied_back_for_the_same_key_only(tmp_path):
    bench = _bench()
    loaded, cache = tmp_path / "loaded", tmp_path / "cache"
    (loaded / "truth").mkdir(parents=True)
    (loaded / "f.sqlite3").write_bytes(b"registry")
    (loaded / "truth" / "households-620121.parquet").write_bytes(b"truth")
    bench.registry_cache_save(cache, KEY, {"households": 87240}, loaded)
    assert json.loads((cache / "key.json").read_text())["key"] == KEY

    work = tmp_path / "work"
    assert bench.registry_cached(cache, {**KEY, "counties": 58}, work) is None
    assert bench.registry_cached(cache, {**KEY, "config": "other"}, work) is None
    assert not work.exists()
    assert bench.registry_cached(cache, KEY, work) == {"households": 87240}
    assert (work / "f.sqlite3").read_bytes() == b"registry"
    assert (work / "truth" / "households-620121.parquet").read_bytes() == b"truth"


def test_without_a_cache_or_its_key_nothing_is_copied(tmp_path):
    bench = _bench()
    assert bench.registry_cached(None, KEY, tmp_path / "w") is None
    assert bench.registry_cached(tmp_path / "empty", KEY, tmp_path / "w") is None


def test_the_key_of_the_generator_settings_is_the_same_in_every_interpreter():
    """The settings hold sets, whose order follows the string hash seed of each interpreter."""
    import os
    import subprocess
    import sys

    code = (
        "import importlib.util, sys; from fupin import synth\n"
        f"spec = importlib.util.spec_from_file_location('b', {str(ROOT / 'bench' / 'bench_assess_db.py')!r})\n"
        "b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b)\n"
        "g = synth.preset('gansu', seed=int(sys.argv[1]))\n"
        "print(b.config_digest(g.replace(counties=g.counties[:2])))\n"
    )

    def digest(hash_seed: str, seed: int) -> str:
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", code, str(seed)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return run.stdout.strip()

    assert digest("1", 2019) == digest("2", 2019) != digest("1", 2020)
