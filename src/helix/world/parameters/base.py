"""The parameter's declaration and the strict base model shared by every schema model.

``P(default, lo, hi, unit, meaning)``: a parameter explains itself where it is declared.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def P(default: Any, lo: float | None, hi: float | None, unit: str, meaning: str) -> Any:  # noqa: N802
    """A parameter: default, inclusive bounds, unit and a one-line meaning (with its source)."""
    return Field(
        default,
        ge=lo,
        le=hi,
        description=meaning,
        json_schema_extra={"unit": unit},
    )


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)
