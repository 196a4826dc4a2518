"""The parameter's declaration and the strict base model shared by every schema model.

``P(default, lo, hi, unit, meaning)``: a parameter explains itself where it is declared.

No float of a scenario may be NaN or infinite: none of them gives a meaning to either (an open
end is an absent value, not infinity), and one NaN turns every sum it enters into NaN, or fails
deep in the run (``Probabilities contain NaN``) after the run has started. The check holds for
every float of every model built on :class:`Strict`, inside lists, matrices and tables too.
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
        allow_inf_nan=False,
        description=meaning,
        json_schema_extra={"unit": unit},
    )


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)
