"""What every floor uses: the clock, safe text, redaction, bounded file reading, themes."""
