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
    from helpers.tiny_llama import save_tiny_llama, train_tokenizer

    tok = train_tokenizer(CORPUS * 5, vocab_size=300, pad_token="</s>", chat_template=chat_template)
    return save_tiny_llama(path, tok, hidden_size=16, num_layers=1, num_heads=2, num_kv_heads=1, seed=seed)


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
