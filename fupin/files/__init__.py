"""Files fupin writes for people to open: spreadsheets (XLSX, CSV) and Word documents (DOCX)."""
