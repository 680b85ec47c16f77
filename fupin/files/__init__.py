"""Files fupin writes for people to open: spreadsheets (XLSX, CSV)."""
