"""The registry's poverty causes (致贫原因) as codes, in the order of the registry's choices.

A cause's integer code is its index; 0 (the empty string) means none. The synthetic generator
draws these codes and the checks compare them, so both read them from here.
"""

from __future__ import annotations

CAUSES = (
    "",
    "illness",
    "disability",
    "schooling",
    "disaster",
    "land",
    "water",
    "skills",
    "labour",
    "capital",
    "transport",
    "drive",
    "other",
)
ILLNESS, DISABILITY, SCHOOLING, DISASTER, LAND, WATER = 1, 2, 3, 4, 5, 6
SKILLS, LABOUR, CAPITAL, TRANSPORT, DRIVE, OTHER = 7, 8, 9, 10, 11, 12
