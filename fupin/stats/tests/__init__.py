"""Tests of fupin.stats: R reference values, properties, simulation, selection, allocation, CLI."""
