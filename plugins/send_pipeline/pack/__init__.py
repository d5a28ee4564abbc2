"""The monthly SEND performance pack (charts, readings, HTML + PDF)."""
