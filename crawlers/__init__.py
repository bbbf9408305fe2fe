"""The kernel under every layer: models, the config schema, the registry, indicator data, dates,
page facts (HTML, links, columns, list pages, page chrome), platform page objects and network
policy (the SSRF guard, the static host map, certificate checks). It imports nothing above it."""
