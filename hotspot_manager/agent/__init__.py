"""The headless agent: capture, meter and store writer (the pipeline lives here)."""
