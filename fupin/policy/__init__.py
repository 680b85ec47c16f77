"""Pure policy rules: ID numbers, poverty lines, zone thresholds, identification and exit."""
