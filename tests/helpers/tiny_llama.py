"""One builder for the tiny random Llama models the tests use: a BPE tokenizer trained in-process on a few
sentences, and a Llama (causal LM or sequence classifier) sized by the caller. No network, a second or two."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def train_tokenizer(corpus: Iterable[str], *, vocab_size: int, byte_level: bool = True,
                    special_tokens: tuple[str, ...] = ("<unk>", "<s>", "</s>"), adds_bos: bool = False,
                    pad_token: str | None = None, chat_template: str | None = None):
    """A BPE ``PreTrainedTokenizerFast`` (bos ``<s>``, eos ``</s>``, unk ``<unk>``): byte-level like GPT-2/Llama-3,
    or split on whitespace; a ``<s>`` prepended like Llama when ``adds_bos``; ``chat_template`` is a Jinja string."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    if byte_level:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(special_tokens),
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    else:
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(special_tokens))
    tok.train_from_iterator(list(corpus), trainer=trainer)
    if adds_bos:
        tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A $B",
                                                           special_tokens=[("<s>", tok.token_to_id("<s>"))])
    extra = {"pad_token": pad_token} if pad_token is not None else {}
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   **extra)
    if chat_template is not None:
        fast.chat_template = chat_template
    return fast


def save_tiny_llama(path: Path, tokenizer, *, hidden_size: int = 32, num_layers: int = 2, num_heads: int = 4,
                    num_kv_heads: int = 2, max_positions: int = 256, seed: int = 0, head: bool = False,
                    num_labels: int = 1, score_std: float | None = None, **config) -> Path:
    """Save a random Llama (``head``: a sequence classifier with ``num_labels``; else a causal LM) and the
    tokenizer to ``path``. ``score_std`` redraws the classifier head's weights with that sd (visible scores);
    other keyword arguments go to ``LlamaConfig``; the pad id defaults to eos."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, LlamaForSequenceClassification

    cfg = LlamaConfig(vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=2 * hidden_size,
                      num_hidden_layers=num_layers, num_attention_heads=num_heads, num_key_value_heads=num_kv_heads,
                      max_position_embeddings=max_positions, num_labels=num_labels,
                      bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                      **{"pad_token_id": tokenizer.eos_token_id, **config})
    torch.manual_seed(seed)
    model = LlamaForSequenceClassification(cfg) if head else LlamaForCausalLM(cfg)
    if head and score_std is not None:
        with torch.no_grad():
            model.score.weight.normal_(0, score_std)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    return path
