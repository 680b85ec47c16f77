"""Exit assessments (考核评估): campaigns, draws, avoidance, field surveys, verification, figures."""
