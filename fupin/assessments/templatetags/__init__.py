"""Template tags of the assessment pages."""
