"""The options of ``rmbase benchmarks run`` (a typed config, in a module that imports only pydantic, so that
``rmbase benchmarks run --help`` builds its options without the harness's imports)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from rmbase.config import Config
from rmbase.config_types import NonEmptyText, OpenUnitInterval, PositiveInt

_Auto = Annotated[str, Field(pattern=r"^auto(:[1-9][0-9]*)?$")]  # lm-eval's auto batch size (auto:N: N tries)


class RunConfig(Config):
    model: NonEmptyText = Field(description="Hugging Face id or local folder of the model.")
    suite: str = Field("leaderboard", description="leaderboard | study.")
    device: str = Field("cpu", description="cpu, cuda, cuda:0 ...")
    dtype: str = Field("auto", description="auto | bfloat16 | float16 | float32.")
    batch_size: PositiveInt | _Auto = Field(1, description="Sequences per forward pass: an integer or 'auto'.")
    limit: PositiveInt | OpenUnitInterval | None = Field(None, description=(
        "Examples per task (a fraction below 1); smoke tests only: scores are then not comparable with the "
        "leaderboard."))
    chat_template: bool | None = Field(None, description=(
        "Apply the chat template (default: when the tokenizer has one, as the leaderboard did)."))
    include_path: str | None = Field(None, description="Extra lm-eval task folder.")
    include_defaults: bool = Field(True, description=(
        "Load lm-eval's own tasks (--no-include-defaults: only --include-path; a faster start)."))
    evalplus: bool = Field(True, description="Run EvalPlus for HumanEval+/MBPP+ (suite study).")
    trust_remote_code: bool = Field(False, description="Allow the checkpoint's own Python code.")
    benchmarks: tuple[str, ...] | None = Field(None, description="Only these benchmarks of the suite.")

    def as_dict(self) -> dict[str, Any]:
        return self.to_dict()
