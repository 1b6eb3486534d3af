"""Item pipelines, one job each: normalise, validate, archive."""
