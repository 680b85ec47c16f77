"""The synthetic province: a registry (建档立卡) with hidden ground truth, generated county by county."""

from fupin.regions.counties import CountyRow, read_counties
from fupin.synth.config import SynthConfig, poverty_line, preset
from fupin.synth.generate import CountyBatch, generate
from fupin.synth.parquet import write_parquet

__all__ = [
    "CountyBatch",
    "CountyRow",
    "SynthConfig",
    "generate",
    "poverty_line",
    "preset",
    "read_counties",
    "write_parquet",
]
