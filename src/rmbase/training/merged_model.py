"""Fold the merge weights into the head: a multi-attribute regression RM becomes an ordinary one-label RM.

The attribute head computes ``a = W h + b`` (one row of W per attribute). With merge weights ``w`` the reward is
``ψ = w·a = (wᵀW) h + w·b``: a one-row linear head. The merged model is saved as a standard
``AutoModelForSequenceClassification`` with ``num_labels=1``, so every scorer treats it like any RM.
"""

from __future__ import annotations

from typing import Any

from rmbase.errors import InputError


def fold_merge_weights(model: Any, weights: list[float] | tuple[float, ...]) -> Any:
    """Replace the ``num_labels``-output head of ``model`` (in place) by its ``weights``-combination; returns it."""
    import torch

    from rmbase.training.trainer import head_module_name

    name = head_module_name(model)
    head = getattr(model, name)
    owner, attr = model, name
    if not isinstance(head, torch.nn.Linear):  # e.g. RoBERTa: dense -> out_proj
        if isinstance(getattr(head, "out_proj", None), torch.nn.Linear):
            owner, attr, head = head, "out_proj", head.out_proj
        else:
            raise InputError(f"cannot fold merge weights into a {type(head).__name__} head",
                             expected="a linear classification head")
    if head.out_features != len(weights):
        raise InputError(f"the head has {head.out_features} outputs but {len(weights)} merge weights")
    w = torch.tensor(list(weights), dtype=torch.float64)
    merged = torch.nn.Linear(head.in_features, 1, bias=head.bias is not None,
                             dtype=head.weight.dtype, device=head.weight.device)
    with torch.no_grad():
        merged.weight.copy_((w[None, :] @ head.weight.detach().double()).to(head.weight.dtype))
        if head.bias is not None:
            merged.bias.copy_((w @ head.bias.detach().double()).reshape(1).to(head.bias.dtype))
    setattr(owner, attr, merged)
    model.config.num_labels = 1
    model.config.id2label = {0: "reward"}
    model.config.label2id = {"reward": 0}
    model.config.problem_type = None
    if hasattr(model, "num_labels"):
        model.num_labels = 1
    return model
