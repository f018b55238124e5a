"""The imports, one module per kind (plants.py holds what they share): each reads and validates every row,
fills the preview, and hands back one function that writes it all (spreadsheets.engine.import_run calls it)."""
