"""District progress reports."""
