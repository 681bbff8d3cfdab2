"""Item pipelines, one module a stage: clean, boilerplate, validate, export."""
