"""Multi-attribute regression: one head output per attribute (HelpSteer2's five by default), MSE loss
(transformers' ``problem_type="regression"``), two epochs by default; a checkpoint is scored, and the final model
merged to one label, with the exact merge-weight search (:mod:`rmbase.training.merge_search`), as in arXiv
2505.10775."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rmbase.training.recipes import Recipe, copy_model_files


class Regression(Recipe):
    name = "regression"
    data_format = "responses with attribute scores: prompt, response, one column per attribute"
    train_text_columns = ("prompt", "response")
    default_epochs = 2.0

    def num_labels(self, config: Any) -> int:
        return len(config.attributes)

    def check_config(self, config: Any) -> None:
        if len(config.attribute_signs) != len(config.attributes):
            raise ValueError("one attribute sign per attribute")

    def read_train(self, config: Any) -> tuple[Any, Any]:
        from rmbase.training.data import load_attributes

        return load_attributes(config.train, attributes=tuple(config.attributes),
                               value_range=config.attribute_range, on_bad_rows=config.on_bad_rows)

    def load_train(self, config: Any, tokenizer: Any) -> tuple[list[dict], Any, Any]:
        from rmbase.training.encoding import encode_responses

        rows, report = self.read_train(config)
        items, length = encode_responses(tokenizer, rows, config.attributes, max_length=config.max_length,
                                         policy=config.long_pairs)
        return items, report, length

    def trainer_options(self, tokenizer: Any) -> dict[str, Any]:
        return {"data_collator": _collator(tokenizer.pad_token_id)}

    def validate(self, chosen: Any, rejected: Any, config: Any) -> tuple[float, dict[str, Any]]:
        res = self._search(chosen, rejected, config)
        return res.accuracy, {"merge_weights": list(res.weights)}

    def write_reward_model(self, config: Any, model_dir: Path, tokenizer: Any, val_items: list[dict],
                           stage: Path) -> dict:
        """Final merge search on the best checkpoint; save the attribute model (``attribute_model/``), the merged
        one-label reward model and ``merge_weights.json``."""
        from rmbase.hf_models import default_device, load_sequence_classifier
        from rmbase.merge_weights import write_merge_weights
        from rmbase.training.encoding import pairwise_accuracy, score_pairs
        from rmbase.training.merged_model import fold_merge_weights

        attr_dir = stage / "attribute_model"
        attr_dir.mkdir()
        copy_model_files(model_dir, attr_dir)
        device = config.device or default_device()
        model = load_sequence_classifier(attr_dir, dtype="float32", device=device, allow_new_head=False)
        chosen, rejected = score_pairs(model, val_items, tokenizer.pad_token_id)
        result = self._search(chosen, rejected, config)
        fold_merge_weights(model, result.weights)
        mc, mr = score_pairs(model, val_items, tokenizer.pad_token_id)
        merge = result.as_dict()
        merge["merged_model_validation_accuracy"] = pairwise_accuracy(mc[:, 0], mr[:, 0])
        model.save_pretrained(stage, safe_serialization=True)
        tokenizer.save_pretrained(stage)
        for folder in (stage, attr_dir):  # the attribute model is evaluated with it by default
            write_merge_weights(folder, **merge)
        return merge

    @staticmethod
    def _search(chosen: Any, rejected: Any, config: Any) -> Any:
        from rmbase.training.merge_search import search_merge_weights

        return search_merge_weights(chosen, rejected, signs=tuple(config.attribute_signs), steps=config.merge_steps,
                                    attributes=tuple(config.attributes))


def _collator(pad_id: int):
    def collate(features: list[dict]) -> dict:
        import torch

        from rmbase.forward import pad_right

        ids, mask = pad_right([f["input_ids"] for f in features], pad_id)
        labels = torch.tensor([f["labels"] for f in features], dtype=torch.float32)
        return {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask), "labels": labels}

    return collate
