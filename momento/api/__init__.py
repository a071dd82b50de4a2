"""Shared plumbing of the REST API, below every app: each app's API answers errors,
parses bodies, paginates, scopes querysets and documents itself the same way.

- `parsers`: strict JSON (size, depth, no U+0000), the 413 for large bodies
- `errors`: the exception handler (services' Django errors become DRF answers) and documented errors
- `pagination`: page numbers, and the schema hook that documents a bad page
- `fields`: id fields and filters that never overflow the database driver
- `scoping`: querysets limited to the organizations the request may act on
"""
