"""Rules: pure functions that look at extractions and fetch results and yield Findings."""
