"""Registry import and export in the national system's household layout (CSV and XLSX)."""
