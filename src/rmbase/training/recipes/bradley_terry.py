"""Bradley-Terry: a one-label head trained on preference pairs with TRL's ``RewardTrainer`` (loss
-log sigmoid(r_chosen - r_rejected [- margin])), one epoch by default, as in arXiv 2505.10775."""

from __future__ import annotations

from typing import Any

from rmbase.errors import InputError
from rmbase.training.recipes import Recipe


class BradleyTerry(Recipe):
    name = "bradley_terry"
    data_format = "preference pairs: prompt, chosen, rejected[, margin with --use-margin]"
    default_epochs = 1.0

    def train_items(self, items: list[dict]) -> list[dict]:
        keys = trl_pair_keys()
        if keys == ("chosen_ids", "rejected_ids"):
            return items
        return [{keys[0]: x["chosen_ids"], keys[1]: x["rejected_ids"],
                 **({"margin": x["margin"]} if "margin" in x else {})} for x in items]

    def training_arguments(self, common: dict[str, Any]) -> Any:
        from trl import RewardConfig

        return RewardConfig(**common, max_length=None, disable_dropout=True, pad_to_multiple_of=None)

    def trainer_class(self) -> type:
        from trl import RewardTrainer

        return RewardTrainer

    def trainer_options(self, tokenizer: Any) -> dict[str, Any]:
        return {"processing_class": tokenizer}


def trl_pair_keys() -> tuple[str, str]:
    """Names under which the installed TRL's preference collator expects tokenised pairs.

    TRL renamed ``chosen_input_ids`` to ``chosen_ids`` (huggingface/trl#5179); RewardTrainers before the 2025
    refactor (huggingface/trl#4093) take neither and are refused with a clear message.
    """
    from trl.trainer.reward_trainer import DataCollatorForPreference

    collator = DataCollatorForPreference(pad_token_id=0)
    for keys in (("chosen_ids", "rejected_ids"), ("chosen_input_ids", "rejected_input_ids")):
        try:
            collator([{keys[0]: [1, 2], keys[1]: [3]}])
            return keys
        except (KeyError, TypeError):
            continue
    import trl

    raise InputError(f"TRL {trl.__version__} is too old for rmbase's Bradley-Terry recipe",
                     expected="trl with the refactored RewardTrainer (tested: 1.16)")
