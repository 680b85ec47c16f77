"""Tests for the pure policy package."""
