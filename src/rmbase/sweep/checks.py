"""Everything about a sweep config that can be wrong is found here, before any cell starts.

:func:`load_sweep_config` reads the YAML (relative paths are taken from the config file's folder when they exist
there); :func:`validate` checks recipes, grids, data files, bases, training options, eval sets and resources, and
returns the cells with what it could not verify offline (a Hub id or Hub dataset not in the local cache). Every
problem is one :class:`InputError` naming the config key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rmbase.errors import InputError
from rmbase.sweep.config import BaseSpec, Cell, SweepConfig, expand_cells

MAX_LEARNING_RATES = 40   # a grid beyond this is a typo or a generator gone wrong, not a learning-rate search
WARN_LEARNING_RATES = 12  # the study searched 10 per recipe


CHARS_PER_TOKEN = 4.0  # the approximation the data's size is counted with (checks) and priced with (cost)


@dataclass
class Checked:
    """A validated sweep: its bases, cells and the notes about what was not verified."""

    config: SweepConfig
    bases: list[BaseSpec]
    cells: list[Cell]
    notes: list[str] = field(default_factory=list)
    data_rows: dict[str, dict[str, int]] = field(default_factory=dict)   # recipe -> {train, val} rows
    data_chars: dict[str, dict[str, int]] = field(default_factory=dict)  # recipe -> {train, val} text characters
    source: str | None = None


def load_sweep_config(path: str | os.PathLike) -> SweepConfig:
    """The config of ``path``, with relative file paths resolved against the config's folder where they exist."""
    from rmbase.io import check_input_file

    p = check_input_file(path, expected="a sweep config (YAML)")
    cfg = SweepConfig.from_yaml(p)
    return resolve_paths(cfg, p.resolve().parent)


def resolve_paths(cfg: SweepConfig, root: Path) -> SweepConfig:
    def fix(value: str | None) -> str | None:
        if value is not None and value.startswith("~"):
            return str(Path(value).expanduser())
        if value is None or Path(value).is_absolute():
            return value
        candidate = (root / value).resolve()
        return str(candidate) if candidate.exists() or value.startswith(".") else value

    out = cfg.model_copy(deep=True)
    out.bases = [b.model_copy(update={"path": fix(b.path)}) for b in out.base_specs()]
    out.models = fix(out.models)
    for spec in out.data.values():
        spec.train, spec.val = fix(spec.train), fix(spec.val)
    for options in out.eval_sets.values():
        if options.get("data") is not None:
            options["data"] = fix(options["data"])
    return out


def _err(message: str, key: str, path: str | None = None, expected: str | None = None) -> InputError:
    return InputError(message, path=path, column=key, expected=expected)


def validate(cfg: SweepConfig, *, source: str | None = None, address: str | None = None,
             check_data: bool = True, check_devices: bool = True) -> Checked:
    """Check the whole config; returns the cells. Raises one InputError naming the first bad key.

    ``check_devices`` False (a dry run, which runs nothing): the resources a cell asks for (CPUs, GPUs) are not
    checked against this machine, and a note says they will be when the cells run."""
    from rmbase.training.recipes import recipe_names

    known = recipe_names()  # the registry of the training room
    notes: list[str] = []
    if not cfg.recipes:
        raise _err("no recipes", "recipes", source, expected=" | ".join(known))
    for i, recipe in enumerate(cfg.recipes):
        if recipe not in known:
            raise _err(f"unknown recipe {recipe!r}", f"recipes[{i}]", source, expected=" | ".join(known))
    if len(set(cfg.recipes)) != len(cfg.recipes):
        raise _err("a recipe is listed twice", "recipes", source)
    if isinstance(cfg.learning_rates, dict):
        extra = sorted(set(cfg.learning_rates) - set(cfg.recipes))
        if extra:
            raise _err(f"learning rates for a recipe the sweep does not run: {', '.join(extra)}",
                       f"learning_rates.{extra[0]}", source, expected=f"keys among {', '.join(cfg.recipes)}")
    for recipe in cfg.recipes:
        key = f"learning_rates.{recipe}" if isinstance(cfg.learning_rates, dict) else "learning_rates"
        grid = cfg.grid(recipe)
        if not grid:
            raise _err(f"no learning rates for {recipe}", key, source)
        if any(not (x > 0) for x in grid):
            raise _err("learning rates must be positive", key, source)
        if len(set(grid)) != len(grid):
            raise _err("a learning rate is listed twice (duplicate cells)", key, source)
        if len(grid) > MAX_LEARNING_RATES:
            raise _err(f"{len(grid)} learning rates for {recipe}: more than {MAX_LEARNING_RATES}, each one a full "
                       "training run per base and seed", key, source,
                       expected=f"at most {MAX_LEARNING_RATES} (the study used 10 per recipe)")
        if len(grid) > WARN_LEARNING_RATES:
            notes.append(f"{key}: {len(grid)} learning rates for {recipe} (the study used 10); each one is a full "
                         "training run per base and seed")
    if not cfg.seeds:
        raise _err("no seeds", "seeds", source)
    if len(set(cfg.seeds)) != len(cfg.seeds):
        raise _err("a seed is listed twice (duplicate cells)", "seeds", source)
    bases = _bases(cfg, source, notes)
    _data_given(cfg, source)
    cells = expand_cells(cfg, bases)  # typed: every cell's TrainConfig and EvaluateConfigs, validated
    rows, chars = _data(cfg, cells, source, notes, check_data)
    if check_devices:
        _resources(cfg, source, address)
    else:
        notes.append(f"resources: {cfg.resources.cpus:g} CPU(s) and {cfg.resources.gpus:g} GPU(s) per cell are "
                     "checked against the machine or cluster when the cells run, not in a dry run")
    _eval_sets(cells, source, notes, check_data)
    return Checked(config=cfg, bases=bases, cells=cells, notes=notes, data_rows=rows, data_chars=chars,
                   source=source)


def _bases(cfg: SweepConfig, source: str | None, notes: list[str]) -> list[BaseSpec]:
    bases = list(cfg.base_specs())
    if cfg.models is not None:
        bases += _bases_from_table(cfg.models)
    if not bases:
        raise _err("no bases", "bases", source, expected="a list of Hugging Face ids or local folders, or models:")
    from rmbase.hf_models import check_model_source

    for i, base in enumerate(bases):
        key = f"bases[{i}]"
        if base.path is not None:
            folder = Path(base.path).expanduser()
            if not folder.is_dir():
                raise _err("base folder not found", key + ".path", base.path, expected="a model folder")
            if not (folder / "config.json").is_file():
                raise _err("no config.json in the base folder", key + ".path", base.path,
                           expected="a Hugging Face model folder (config.json, weights, tokenizer)")
            _loadable(folder / "config.json", base, cfg, key + ".path", base.path, folder)
            continue
        try:
            check_model_source(base.id)
        except InputError as exc:
            raise _err(str(exc), key + ".id", source) from exc
        if base.id.count("/") != 1:
            raise _err(f"base {base.id!r} is neither a local folder nor a Hugging Face id", key + ".id", source,
                       expected="org/name or an existing folder")
        cached = _in_hub_cache(base.id)
        if cached:
            _loadable(Path(cached), base, cfg, key + ".id", base.id, None)
        else:
            notes.append(f"{key}: {base.id} is not in the local Hugging Face cache (not verified; downloaded "
                         "when its first cell starts)")
    return bases


def _bases_from_table(path: str) -> list[BaseSpec]:
    from rmbase.io import read_table

    df = read_table(path)
    if "model" not in df.columns:
        raise InputError("missing column 'model' in the model table", path=path, column="model")
    out = []
    for i, row in enumerate(df.to_dict("records"), start=1):
        def get(col: str, row: dict = row) -> Any:
            v = row.get(col)
            return None if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "" else v

        name = get("model")
        if name is None:
            raise InputError("empty value", path=path, row=i, column="model")
        hf_id, folder = get("hf_id"), get("path")
        if hf_id is None and folder is None:
            hf_id = str(name)
        params = get("params_b")
        out.append(BaseSpec(name=str(name), id=None if hf_id is None else str(hf_id),
                            path=None if folder is None else str(folder),
                            params_b=None if params is None else float(params)))
    return out


def _in_hub_cache(model_id: str) -> str | None:
    """The cached config.json of a Hub id, or None."""
    try:
        from huggingface_hub import try_to_load_from_cache

        hit = try_to_load_from_cache(model_id, "config.json")
        return hit if isinstance(hit, str) else None
    except Exception:  # noqa: BLE001 - the cache is a courtesy check only
        return None


def _loadable(config_json: Path, base: BaseSpec, cfg: SweepConfig, key: str, where: str | None,
              folder: Path | None) -> None:
    """What would stop a base from loading inside its cell, found before Ray starts: pickled weights only, remote
    code without ``trust_remote_code``, a model type transformers has no sequence classifier for."""
    import json

    from rmbase.hf_models import check_safetensors_only

    if folder is not None:
        try:
            check_safetensors_only(str(folder))
        except InputError as exc:
            raise _err(str(exc), key, where) from exc
        if not any(folder.glob("*.safetensors")):
            raise _err("no weights in the base folder", key, where, expected="model.safetensors")
    try:
        meta = json.loads(config_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _err(f"cannot read config.json: {exc}", key, where) from exc
    if not isinstance(meta, dict):
        raise _err("config.json is not a JSON object", key, where)
    if base.trust_remote_code or cfg.training.get("trust_remote_code"):
        return
    try:
        from transformers.models.auto.modeling_auto import MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES
    except ImportError:  # transformers is an extra: the cell will say so
        return
    model_type = meta.get("model_type")
    if model_type in MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES:
        return
    if meta.get("auto_map"):
        raise _err(f"base {base.display_name!r} needs remote code (config.json has auto_map, model type "
                   f"{model_type!r})", key, where,
                   expected="trust_remote_code: true in the base's entry, only if you trust its code")
    raise _err(f"model type {model_type!r} of base {base.display_name!r} has no sequence-classification class in "
               "transformers", key, where, expected="a base transformers can load as a reward model")


def _looks_hub(value: str) -> bool:
    name = value.split(":")[0]
    return name.count("/") == 1 and not name.startswith((".", "/", "~")) and not Path(name).suffix


def _data_given(cfg: SweepConfig, source: str | None) -> None:
    for recipe in cfg.recipes:
        if recipe not in cfg.data:
            raise _err(f"no training data for {recipe}", f"data.{recipe}", source,
                       expected="train: FILE and val: FILE")


def _data(cfg: SweepConfig, cells: list[Cell], source: str | None, notes: list[str], check: bool):
    """Rows and characters of each recipe's data, read as its recipe reads it (:meth:`Recipe.read_train`)."""
    from rmbase.training.data import load_pairs

    rows: dict[str, dict[str, int]] = {}
    chars: dict[str, dict[str, int]] = {}
    for recipe in cfg.recipes:
        spec = cfg.data[recipe]
        train_config = next(c.train for c in cells if c.recipe == recipe)
        unit = train_config.recipe_unit
        rows[recipe], chars[recipe] = {}, {}
        for part in ("train", "val"):
            value, key = getattr(spec, part), f"data.{recipe}.{part}"
            if not Path(value).expanduser().exists():
                if _looks_hub(value):
                    notes.append(f"{key}: {value} is a Hub dataset (not verified offline)")
                    continue
                raise _err("data file not found", key, value)
            if not check:
                continue
            try:
                if part == "train":
                    frame, _ = unit.read_train(train_config.model_copy(update={"train": value}))
                    text_cols = list(unit.train_text_columns)
                else:
                    frame, _ = load_pairs(value)
                    text_cols = ["prompt", "chosen", "rejected"]
            except InputError as exc:
                raise _err(str(exc), key, value) from exc
            rows[recipe][part] = len(frame)
            chars[recipe][part] = _sequence_chars(frame, text_cols, train_config.max_length)
    return rows, chars


def _sequence_chars(frame: Any, text_cols: list[str], max_length: int) -> int:
    """Characters the model reads per epoch: prompt + each response as one sequence, each capped at max_length
    tokens (x 4 characters)."""
    cap = max_length * CHARS_PER_TOKEN
    prompt = frame[text_cols[0]].map(lambda v: len(str(v)))
    total = 0.0
    for col in text_cols[1:]:
        if col in frame:
            total += (prompt + frame[col].map(lambda v: len(str(v)))).clip(upper=cap).sum()
    return int(total)


def _eval_sets(cells: list[Cell], source: str | None, notes: list[str], check: bool) -> None:
    """The typed eval sets (benchmark and options validated with the config): their data files."""
    from rmbase.rm_eval.data import load_examples

    for name, spec in (cells[0].evals.items() if cells else ()):
        key = f"eval_sets.{name}"
        if spec.data is None:
            notes.append(f"{key}: the {spec.benchmark} Hub dataset (not verified offline)")
            continue
        if not Path(spec.data).expanduser().is_file():
            raise _err("eval set data file not found", key + ".data", spec.data)
        if check:
            try:
                load_examples(spec.benchmark, spec.data)
            except InputError as exc:
                raise _err(str(exc), key + ".data", spec.data) from exc


def _resources(cfg: SweepConfig, source: str | None, address: str | None) -> None:
    if address or os.environ.get("RAY_ADDRESS"):
        return  # a cluster's resources are checked against the cluster when the sweep starts
    cores = os.cpu_count() or 1
    if cfg.resources.cpus > cores:
        raise _err(f"a cell asks for {cfg.resources.cpus:g} CPUs; this machine has {cores}", "resources.cpus",
                   source, expected=f"at most {cores}, or --address of a cluster with bigger nodes")
    if cfg.resources.gpus > 0:
        try:
            import torch

            gpus = torch.cuda.device_count()
        except ImportError:
            gpus = 0
        if cfg.resources.gpus > gpus:
            raise _err(f"a cell asks for {cfg.resources.gpus:g} GPU(s); this machine has {gpus}", "resources.gpus",
                       source, expected=f"at most {gpus}, or --address of a cluster with GPUs")


def check_cluster_resources(cfg: SweepConfig, cluster: dict[str, float]) -> None:
    """A cell must fit the cluster (Ray would otherwise keep it pending for ever)."""
    for key, ray_key in (("cpus", "CPU"), ("gpus", "GPU")):
        need = getattr(cfg.resources, key)
        have = float(cluster.get(ray_key, 0))
        if need > have:
            raise _err(f"a cell asks for {need:g} {ray_key}(s); the Ray cluster has {have:g}", f"resources.{key}",
                       expected=f"at most {have:g}")
