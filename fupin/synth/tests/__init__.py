"""Tests of the synthetic-province generator."""
