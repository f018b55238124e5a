"""Views of the assessments app, one module per area of work."""
