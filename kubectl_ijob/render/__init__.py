"""The one place that makes strings for humans: tables, AGE, colour (decided once per run
by app and passed in), error wording, and every -o json|yaml document (documents.py)."""
