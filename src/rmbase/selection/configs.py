"""The configs of ``rmbase recommend`` (:class:`RecommendConfig`) and ``rmbase plan`` (:class:`PlanConfig`), in a
module that imports only pydantic and the config base: the CLI builds the two commands' options from these fields
(:mod:`rmbase.commands.config_options`), so that their ``--help`` loads no numpy, pandas or scikit-learn. The
defaults that name the bundled tables' columns (``targets``, ``features``) are read from those tables on first use.
:mod:`rmbase.selection.recommend` and :mod:`rmbase.selection.plan_surrogate` use them (and re-export them).
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from rmbase.config import Config
from rmbase.config_types import (
    FiniteFloat,
    IsoDate,
    NonNegativeFloat,
    OpenUnitInterval,
    PositiveFloat,
    PositiveInt,
    Seed,
)


def _targets() -> tuple[str, ...]:
    from rmbase.datasets import TARGETS

    return tuple(TARGETS)


def _features() -> tuple[str, ...]:
    from rmbase.selection.feature_frame import DEFAULT_FEATURES

    return tuple(DEFAULT_FEATURES)


class RecommendConfig(Config):
    """How ``rmbase recommend`` ranks candidate bases (each field's description is its option's help)."""

    model_config = ConfigDict(frozen=True)

    method: str | None = Field(None, description="Predictor (see docs/selection.md); default: the recipe's default, "
                               "the method that holds up best on held-out families and other studies.")
    recipe: str = Field("regression", description="The recipe whose RM scores are predicted.")
    targets: tuple[str, ...] = Field(default_factory=_targets, description="The RM scores predicted: the overall "
                                     "score and its sections.")
    alpha: OpenUnitInterval = Field(0.1, description="1 - nominal coverage of the prediction intervals.")
    max_params: PositiveFloat | None = Field(None, description="Only candidates up to this size (billions).")
    top: PositiveInt = Field(10, description="How many to print.")
    pool_types: tuple[str, ...] = Field(("chat", "fine-tuned"), description=(
        "The default candidate pool: the bundled rows of these leaderboard types (the study's bases are all "
        "chat/instruct models); explicit --candidates and --benchmarks files are not filtered by type."))
    top_k: PositiveInt = Field(3, description="k of P(top k) among the candidates.")
    today_since: IsoDate = Field("2025-01-01", description="Today's bases: released on or after this date "
                                 "(YYYY-MM-DD).")
    samples: PositiveInt = Field(4000, description="Draws of the predictive distribution for P(best) and P(top k).")
    seed: Seed = Field(0, description="Seed of the draws for P(best) and P(top k).")


class PlanConfig(Config):
    """The surrogate and acquisition of ``rmbase plan`` (each field's description is its option's help)."""

    model_config = ConfigDict(frozen=True)

    features: tuple[str, ...] = Field(default_factory=_features, description="Benchmark features of the surrogate "
                                      "(sizes logged).")
    prior: str = Field("capability", description="The surrogate's prior: capability (a positive prior mean on "
                       "oll_average and params_b) or flat.")
    acquisition: str = Field("ei", description="ei (expected improvement) or thompson (Thompson sampling).")
    scale: PositiveFloat | None = Field(None, description="The unit of the prior's and the noise's sds (tau, prior_weight, "
                                "noise, family_sd); default: 5 points, or 0.05 for 0-1 scores.")
    tau: PositiveFloat = Field(1.0, description="Prior sd of each weight, in units of scale.")
    prior_weight: FiniteFloat = Field(1.0, description="Prior mean of the capability weights, in units of scale.")
    noise: PositiveFloat = Field(0.5, description="Noise sd, in units of scale.")
    family_sd: NonNegativeFloat = Field(0.5, description="Prior sd of a shared per-family offset, in units of "
                                        "the score scale (0: ignore families).")
    study_prior: bool = Field(True, description="Use published RM results as prior evidence (every study, pooled; "
                              "see --prior-evidence).")
    prior_evidence: str = Field("pooled", description="pooled (every study, mapped into one unit) or study (the "
                                "bundled study's results of --recipe only).")
