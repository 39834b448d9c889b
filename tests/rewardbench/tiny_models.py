"""Tiny random reward models and tokenizers built in-process (no network, a second or two)."""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Write a poem about the sea. The sea is wide and blue and deep.",
    "What is two plus two? Two plus two is four.",
    "I cannot help with that request, sorry.",
    "Here is a short answer: yes. Here is a long answer: no, because of reasons.",
    "user assistant system <|im_start|> <|im_end|>",
]


def tiny_tokenizer(*, adds_bos: bool = True, template: str | None = "chatml", pad_is_eos: bool = True):
    """A byte-level BPE tokenizer trained on a few sentences; BOS added like Llama when ``adds_bos``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<unk>", "<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS * 5, trainer=trainer)
    if adds_bos:
        tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A $B",
                                                           special_tokens=[("<s>", tok.token_to_id("<s>"))])
    kwargs = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
    if pad_is_eos:
        kwargs["pad_token"] = "</s>"
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, **kwargs)
    if template is not None:
        from rmbase.hf_models import resolve_chat_template

        fast.chat_template = resolve_chat_template(template)
    return fast


def tiny_reward_model_dir(path: Path, *, num_labels: int = 1, seed: int = 0, adds_bos: bool = True,
                          template: str | None = "chatml", head: bool = True) -> Path:
    """Save a 2-layer random Llama sequence classifier (or causal LM when ``head`` is False) + tokenizer."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, LlamaForSequenceClassification

    tok = tiny_tokenizer(adds_bos=adds_bos, template=template)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                      num_labels=num_labels, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                      pad_token_id=tok.eos_token_id)
    torch.manual_seed(seed)
    model = LlamaForSequenceClassification(cfg) if head else LlamaForCausalLM(cfg)
    if head:
        with torch.no_grad():  # a head with weights large enough that scores differ visibly
            model.score.weight.normal_(0, 1.0)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path
