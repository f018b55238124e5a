"""The trainer's forms, one module per page family: sessions, results, filters, and what they share
(common)."""
