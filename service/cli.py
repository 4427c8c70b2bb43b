"""The `policy-options` command: rank and write briefs without a server, migrate, write the OpenAPI document.

Errors print one clear line on stderr and exit non-zero.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from marshmallow import ValidationError

from models.loader import builtin_models, model_from_document
from models.schema import pointers_from_messages
from models.validation import ModelInvalid
from service.engine.errors import EngineError, InfeasibleConstraints, RequestInvalid


class CommandError(Exception):
    pass


def _accepted_text(document, what: str):
    """`document` when its strings follow the service's text policy, else a CommandError naming each place."""
    from service.platform.text_policy import refused_text

    refused = refused_text(document)
    if refused:
        raise CommandError(f"{what} holds text that is not accepted: "
                           + "; ".join(f"{pointer or '/'}: {detail}" for pointer, detail in refused))
    return document


def _load_model(args):
    if args.model_file:
        import yaml

        try:
            document = yaml.safe_load(Path(args.model_file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            reason = " ".join(str(error).split())  # YAML's messages span lines
            raise CommandError(f"cannot read {args.model_file}: {reason}") from None
        return model_from_document(_accepted_text(document, args.model_file))
    model = builtin_models().get(args.model)
    if model is None:
        raise CommandError(f"unknown model '{args.model}' (built-in: {', '.join(builtin_models())})")
    return model


def _weights(pairs: list[str]) -> dict[str, float]:
    weights = {}
    for pair in pairs:
        criterion, separator, value = pair.partition("=")
        if not separator:
            raise CommandError(f"--weight takes CRITERION=VALUE, not {pair!r}")
        try:
            weights[criterion] = float(value)
        except ValueError:
            raise CommandError(f"--weight {criterion}: {value!r} is not a number") from None
    return weights


def ranking_fields(args) -> dict:
    """The request body the API would receive, from the command's arguments."""
    from service.platform.jsonbody import NotJSON, strict_loads

    body: dict = {}
    if args.request:
        try:
            body = strict_loads(Path(args.request).read_bytes(), max_depth=32)
        except (OSError, NotJSON) as error:
            raise CommandError(f"cannot read {args.request}: {error}") from None
    if args.weight:
        body["weights"] = _weights(args.weight)
    for name in ("scenario", "k", "score_case"):
        if getattr(args, name) is not None:
            body[name] = getattr(args, name)
    return _accepted_text(body, "the request")


def _table(result: dict) -> str:
    lines = [f"Model {result['model']['id']} ({result['model']['version']}), scenario {result['scenario']}, "
             f"{result['score_case']} effects", "", "Packages"]
    for package in result["packages"]:
        lines.append(f"  {package['rank']:>3}  {package['value']:+.4f}  {' + '.join(package['options']) or '(status quo)'}")
    lines += ["", "Options on their own"]
    for option in result["options"]:
        lines.append(f"  {option['rank']:>3}  {option['value']:+.4f}  {option['option']}")
    for item in result["excluded"]:
        lines.append(f"  excluded  {item['option']}: {'; '.join(item['reasons'])}")
    if result["explanations"]:
        lines += ["", "What leaving the best package costs"]
        for item in result["explanations"]:
            if item["value_loss"] is not None:
                lines.append(f"  {item['option']}: best with it {' + '.join(item['best_package_with_it'])}, "
                             f"value lost {item['value_loss']:.4f}")
            else:
                lines.append(f"  {item['option']}: impossible ({'; '.join(item['reasons'])})")
    for warning in result["warnings"]:
        lines.append(f"warning: {warning}")
    lines += ["", f"input sha256 {result['provenance']['input_sha256']}, {result['provenance']['solver']}"]
    return "\n".join(lines)


def command_rank(args) -> int:
    from service.engine.settings import SolverSettings
    from service.engine.ranking import RankingRequest, rank
    from service.schemas.rankings import RankingRequestSchema

    model = _load_model(args)
    fields = RankingRequestSchema().load(ranking_fields(args))
    result = rank(model, RankingRequest.from_fields(model, fields),
                  SolverSettings(time_limit_seconds=args.time_limit), method=args.method)
    print(json.dumps(result, indent=2) if args.json else _table(result))
    return 0


def _generated_at():
    """Now, or SOURCE_DATE_EPOCH when set (reproducible builds: then the whole document repeats)."""
    import os
    from datetime import UTC, datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError):
        raise CommandError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not {epoch!r}") from None


def command_brief(args) -> int:
    from service.briefs.content import BriefRequest, build_brief
    from service.briefs.formats import FORMATS
    from service.engine.settings import SolverSettings
    from service.schemas.briefs import BriefRequestSchema

    model = _load_model(args)
    body = ranking_fields(args)
    if args.equal_weights:
        body["weights"] = {criterion: 1 for criterion in model.criterion_ids}
    for name in ("title", "audience"):
        if getattr(args, name) is not None:
            body[name] = getattr(args, name)
    if args.option:
        body["options"] = args.option
    _accepted_text(body, "the request")
    robustness = dict(body.get("robustness", {}))
    for name in ("samples", "seed"):
        if getattr(args, name) is not None:
            robustness[name] = getattr(args, name)
    if robustness:
        body["robustness"] = robustness
    fields = BriefRequestSchema().load(body)
    brief = build_brief(model, BriefRequest.from_fields(model, fields), SolverSettings(time_limit_seconds=args.time_limit),
                        generated_at=_generated_at())
    document = FORMATS[args.format].render(brief)
    if args.output:
        Path(args.output).write_bytes(document)
        print(f"wrote {args.output} ({len(document):,} bytes, {args.format})", file=sys.stderr)
    else:
        sys.stdout.buffer.write(document)
        sys.stdout.buffer.flush()
    return 0


def command_openapi(args) -> int:
    import yaml

    from service import create_app
    from service.openapi import openapi_document

    app = create_app({"DATABASE_URL": "sqlite://", "AUTO_MIGRATE": False})
    text = yaml.safe_dump(openapi_document(app), sort_keys=True, allow_unicode=True)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def command_migrate(args) -> int:
    from service.platform.config import settings_from_environment
    from service.persistence.database import make_engine, migrate

    url = settings_from_environment()["DATABASE_URL"]
    migrate(make_engine(url))
    print(f"database at the latest schema: {url.split('@')[-1]}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="policy-options", description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)

    rank = commands.add_parser("rank", help="rank options and packages against priorities")
    rank.add_argument("--model", default="minusma-2017", help="a built-in model id (default: minusma-2017)")
    rank.add_argument("--model-file", help="a model document (YAML or JSON) instead of a built-in model")
    rank.add_argument("--weight", action="append", metavar="CRITERION=VALUE", help="a weight; repeat for each criterion")
    rank.add_argument("--request", metavar="FILE.json", help="a rankings request body, as the API takes it")
    rank.add_argument("--scenario")
    rank.add_argument("--k", type=int)
    rank.add_argument("--score-case", dest="score_case", choices=("low", "likely", "high"))
    rank.add_argument("--method", choices=("auto", "enumeration", "milp"), default="auto")
    rank.add_argument("--time-limit", type=float, default=10.0, help="solver time limit in seconds")
    rank.add_argument("--json", action="store_true", help="print the API's JSON instead of a table")
    rank.set_defaults(run=command_rank)

    brief = commands.add_parser("brief", help="write a comparative option brief (Markdown, HTML, DOCX or JSON)")
    brief.add_argument("--model", default="minusma-2017", help="a built-in model id (default: minusma-2017)")
    brief.add_argument("--model-file", help="a model document (YAML or JSON) instead of a built-in model")
    brief.add_argument("--weight", action="append", metavar="CRITERION=VALUE", help="a weight; repeat for each criterion")
    brief.add_argument("--equal-weights", action="store_true", help="weigh every criterion of the model alike")
    brief.add_argument("--request", metavar="FILE.json", help="a briefs request body, as the API takes it")
    brief.add_argument("--scenario")
    brief.add_argument("--k", type=int)
    brief.add_argument("--score-case", dest="score_case", choices=("low", "likely", "high"))
    brief.add_argument("--option", action="append", metavar="OPTION", help="an option to compare; repeat (default: all)")
    brief.add_argument("--title")
    brief.add_argument("--audience", help="who the brief is for")
    brief.add_argument("--samples", type=int, help="SMAA samples (default 10000)")
    brief.add_argument("--seed", type=int, help="SMAA seed (default 7)")
    brief.add_argument("--format", choices=("md", "html", "docx", "json"), default="md")
    brief.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    brief.add_argument("--time-limit", type=float, default=10.0, help="solver time limit in seconds")
    brief.set_defaults(run=command_brief)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document as YAML")
    openapi.add_argument("-o", "--output")
    openapi.set_defaults(run=command_openapi)

    migrate = commands.add_parser("migrate", help="bring the database (DATABASE_URL) to the latest schema")
    migrate.set_defaults(run=command_migrate)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except CommandError as error:
        message = str(error)
    except ValidationError as error:
        message = "; ".join(f"{p or '/'}: {d}" for p, d in pointers_from_messages(error.messages))
    except (RequestInvalid, ModelInvalid) as error:
        message = "; ".join(f"{p.pointer or '/'}: {p.detail}" for p in error.problems)
    except InfeasibleConstraints as error:
        message = f"{error} (conflict: {json.dumps(error.conflict)})"
    except EngineError as error:
        message = str(error)
    print(f"policy-options: error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
