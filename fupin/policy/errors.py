"""Errors raised by the policy tables and rules, each saying what was asked and what is known."""

from __future__ import annotations


class PolicyError(ValueError):
    """A policy table or rule cannot answer the question asked."""


class PolicyTableError(PolicyError):
    """A policy table's rows are malformed (missing field, duplicate key, impossible value)."""


class NotInTable(PolicyError, LookupError):
    """A key (year, province, figure) the table has no row for."""


class StandardNotInForce(PolicyError):
    """A standard was applied to a year outside the years it was valid."""
