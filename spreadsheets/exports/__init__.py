"""The exports: the roster workbook (roster, skills matrix, expiring, courses)."""
