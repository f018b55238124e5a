"""The imports, one module per app whose data they write: each reads and validates every row, fills the
preview, and hands back one function that writes it all (spreadsheets.engine.import_run calls it)."""
