"""Finding the source behind a reference that has no fetchable URL (issue 14).

One module per backend (`site`, `searxng`, `brave`, `crossref`, `openalex`), each turning a `ResolveQuery` into
`Candidate`s through a `BackendWeb`; the resolver verifies candidates with the normal fetcher and page reader and
gives each reference a `Resolution`. See `model.py` for the values that pass between them.
"""
