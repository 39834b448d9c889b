"""A tiny random causal LM + tokenizer built in-process, and a tiny lm-eval task with a local data file."""

from __future__ import annotations

import json
from pathlib import Path

CORPUS = ["The sky is blue. Grass is green. Snow is white.", "Question: what colour is the sky? Answer: blue",
          "Question: what colour is grass? Answer: green", "red yellow black orange purple"]

QUESTIONS = [
    {"question": "Question: what colour is the sky?\nAnswer:", "choices": [" blue", " green", " red"], "answer": 0},
    {"question": "Question: what colour is grass?\nAnswer:", "choices": [" blue", " green", " red"], "answer": 1},
    {"question": "Question: what colour is snow?\nAnswer:", "choices": [" white", " black"], "answer": 0},
    {"question": "Question: what colour is coal?\nAnswer:", "choices": [" white", " black"], "answer": 1},
    {"question": "Question: what colour is a lemon?\nAnswer:", "choices": [" yellow", " purple", " red"],
     "answer": 0},
    {"question": "Question: what colour is an orange?\nAnswer:", "choices": [" blue", " orange"], "answer": 1},
]


CHAT_TEMPLATE = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
                 "{% if add_generation_prompt %}assistant:{% endif %}")


def tiny_causal_lm_dir(path: Path, seed: int = 0, chat_template: str | None = None) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>", "<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS * 5, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   pad_token="</s>")
    if chat_template is not None:
        fast.chat_template = chat_template
    cfg = LlamaConfig(vocab_size=len(fast), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=256,
                      bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id,
                      pad_token_id=fast.eos_token_id)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    fast.save_pretrained(path)
    return path


def tiny_task_dir(path: Path, name: str = "rmbase_tiny_mc") -> Path:
    """A multiple-choice lm-eval task reading a local JSONL file (nothing from the Hub)."""
    path.mkdir(parents=True, exist_ok=True)
    data = path / "tiny_mc.jsonl"
    data.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    (path / f"{name}.yaml").write_text(f"""task: {name}
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: multiple_choice
doc_to_text: "{{{{question}}}}"
doc_to_choice: "{{{{choices}}}}"
doc_to_target: answer
num_fewshot: 0
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1.0
""", encoding="utf-8")
    return path
