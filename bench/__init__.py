"""The benchmark harness's server side: production settings plus the raw-SQL floor views.

Nothing here is imported by the product; only `make bench` selects bench.settings.
"""
