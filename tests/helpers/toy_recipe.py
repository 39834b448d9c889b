"""A toy training recipe registered from code, as a user would: Bradley-Terry's data, head and trainer with a hinge
loss max(0, 1 - (r_chosen - r_rejected)). Used to show that a user's recipe works in train, sweep and study."""

from __future__ import annotations

from rmbase.training.recipes.bradley_terry import BradleyTerry


class PairwiseHinge(BradleyTerry):
    name = "pairwise_hinge"
    default_epochs = 1.0
    calls = 0

    def loss(self, model, inputs):
        import torch

        PairwiseHinge.calls += 1
        outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"], use_cache=False)
        chosen, rejected = torch.chunk(outputs.logits.squeeze(-1), chunks=2)
        return torch.relu(1.0 - (chosen - rejected)).mean(), outputs
