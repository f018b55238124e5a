"""The scale dataset for benchmarks and load tests: `manage.py generate_scale_data` (see generate.py)."""

from __future__ import annotations

from devdata.scale.bulk import certification_mismatches, certifications_build
from devdata.scale.generate import generate_scale_data
from devdata.scale.organisation import ScaleDataRefused, ScaleResult, ScaleSpec, ensure_database_is_empty

__all__ = [
    "ScaleDataRefused",
    "ScaleResult",
    "ScaleSpec",
    "certification_mismatches",
    "certifications_build",
    "ensure_database_is_empty",
    "generate_scale_data",
]
