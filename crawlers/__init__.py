"""Shared by every stage: models, config, registry, date and page extraction, the store, the CLI."""
