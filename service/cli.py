"""The `policy-options` command: list models, rank, test robustness and write briefs without a server;
check a model file; migrate the database; write the OpenAPI document.

Every failure prints one line on stderr and exits with a code that says what kind of failure it is.
What it prints for people (tables, messages, help) and the briefs it writes are in the language of
`--lang`, else of POLICY_OPTIONS_LANG, else of the POSIX locale, else English (DESIGN.md §8.2); its
JSON is the API's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from marshmallow import ValidationError

from models.domain import given
from models.loader import builtin_models, model_from_document
from models.schema import pointers_from_messages
from models.validation import ModelInvalid
from service.engine.errors import InfeasibleConstraints, RequestInvalid
from service.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, format_decimal, format_percent, ngettext, use_language

# Exit codes (also in `--help`): argparse exits 2 on a usage error, and so do we.
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INVALID_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3, 4


def exit_codes_help() -> str:
    return _("""exit codes:
  0  success
  1  any other failure (cannot write a file, database unreachable, solver failure, ...)
  2  usage: unknown option, missing argument, conflicting flags
  3  invalid input: a request, weight, model or file that breaks the rules
  4  infeasible constraints: no package satisfies them (the conflict is printed)""")


def priorities_help() -> str:
    return _("""priorities come from --request (a body as the API takes it, `-` for standard input) or
from flags: --weight CRITERION=VALUE (repeat) or --priority-order, not both. --priority-order takes
criterion ids, most important first, separated by commas; ids joined by '=' are tied:
  --priority-order impartiality-and-authority,peace-process=personnel-safety,stabilization""")


LANGUAGE_VARIABLE = "POLICY_OPTIONS_LANG"
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # POSIX: the first one set decides


def language_from_environment(environ=os.environ) -> str:
    """POLICY_OPTIONS_LANG, else the POSIX locale's language (`fr_FR.UTF-8` -> fr), else English.

    A POLICY_OPTIONS_LANG the CLI does not speak is a usage error: it was set for this command. A
    locale it does not speak (de_DE, C) only means English.
    """
    chosen = environ.get(LANGUAGE_VARIABLE)
    if chosen:
        if chosen not in LANGUAGES:
            raise usage_error(_("%(variable)s must be one of %(languages)s, not %(value)r",
                                variable=LANGUAGE_VARIABLE, languages=", ".join(LANGUAGES), value=chosen))
        return chosen
    for variable in LOCALE_VARIABLES:
        locale = environ.get(variable)
        if locale:
            language = locale.split(".")[0].split("@")[0].split("_")[0].lower()
            return language if language in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def _language_asked(argv: list[str]) -> str | None:
    """The --lang of a command line, if a valid one is given anywhere on it (the parser, built in
    that language, checks it again and refuses a wrong one)."""
    peek = argparse.ArgumentParser(prog="policy-options", add_help=False)
    peek.add_argument("--lang")
    known, _rest = peek.parse_known_args(argv)
    return known.lang if known.lang in LANGUAGES else None


class CommandError(Exception):
    """A failure to report in one line, with its exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE):
        super().__init__(message)
        self.exit_code = exit_code


def usage_error(message: str) -> CommandError:
    return CommandError(message, EXIT_USAGE)


def input_error(message: str) -> CommandError:
    return CommandError(message, EXIT_INVALID_INPUT)


# -- inputs -------------------------------------------------------------------------------------


def _read_input(name: str) -> bytes:
    """A file's bytes, or standard input's for `-`."""
    try:
        return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as error:
        raise input_error(_("cannot read %(file)s: %(reason)s", file=name, reason=error.strerror or error)) from None


def _accepted_text(document, what: str):
    """`document` when its strings follow the service's text policy, else a CommandError naming each place."""
    from service.platform.text_policy import refused_text

    refused = refused_text(document)
    if refused:
        places = "; ".join(f"{pointer or '/'}: {detail}" for pointer, detail in refused)
        raise input_error(_("%(what)s holds text that is not accepted: %(places)s", what=what, places=places))
    return document


def _load_model(args):
    if args.model_file:
        import yaml

        try:
            document = yaml.safe_load(_read_input(args.model_file))
        except yaml.YAMLError as error:
            raise input_error(_("%(file)s is not YAML or JSON: %(reason)s", file=args.model_file,
                                reason=" ".join(str(error).split()))) from None
        return model_from_document(_accepted_text(document, args.model_file))
    model = builtin_models().get(args.model)
    if model is None:
        raise _unknown_model(args.model)
    return model


def _unknown_model(model_id: str) -> CommandError:
    return input_error(_("unknown model %(id)r (built-in: %(models)s)", id=model_id, models=", ".join(builtin_models())))


def _weights(pairs: list[str]) -> dict[str, float]:
    weights = {}
    for pair in pairs:
        criterion, separator, value = pair.partition("=")
        if not separator:
            raise usage_error(_("--weight takes CRITERION=VALUE, not %(given)r", given=pair))
        try:
            weights[criterion] = float(value)
        except ValueError:
            raise input_error(_("--weight %(criterion)s: %(value)r is not a number", criterion=criterion,
                                value=value)) from None
    return weights


def priority_order(text: str) -> list:
    """`a,b=c,d` -> ["a", ["b", "c"], "d"]: commas separate ranks, '=' joins tied criteria."""
    order: list = []
    for rank in text.split(","):
        tied = [criterion.strip() for criterion in rank.split("=")]
        if not all(tied):
            raise usage_error(_("--priority-order: empty criterion id in %(given)r", given=text))
        order.append(tied[0] if len(tied) == 1 else tied)
    return order


def _weight_intervals(pairs: list[str]) -> dict[str, list[float]]:
    intervals = {}
    for pair in pairs:
        criterion, separator, bounds = pair.partition("=")
        low, colon, high = bounds.partition(":")
        if not separator or not colon:
            raise usage_error(_("--weight-interval takes CRITERION=LOW:HIGH, not %(given)r", given=pair))
        try:
            intervals[criterion] = [float(low), float(high)]
        except ValueError:
            raise input_error(_("--weight-interval %(criterion)s: %(value)r is not two numbers", criterion=criterion,
                                value=bounds)) from None
    return intervals


PRIORITY_KEYS = ("weights", "priority_order", "profile")


def request_body(args, **flag_priorities) -> dict:
    """The request body the API would receive, from --request and the command's flags.

    Priorities come from the body or from flags, never both: a flag that silently replaced the
    body's priorities would answer another question than the one in the file.
    """
    from service.platform.jsonbody import NotJSON, strict_loads

    body: dict = {}
    if args.request:
        try:
            body = strict_loads(_read_input(args.request), max_depth=32)
        except NotJSON as error:
            where = _("standard input") if args.request == "-" else args.request
            raise input_error(_("%(file)s is not JSON: %(reason)s", file=where, reason=error)) from None
        if not isinstance(body, dict):
            raise input_error(_("the request body must be a JSON object"))
    given = [(name, value) for name, value in flag_priorities.items() if value]
    if getattr(args, "weight", None):
        given.append(("weights", _weights(args.weight)))
    if getattr(args, "priority_order", None):
        given.append(("priority_order", priority_order(args.priority_order)))
    if getattr(args, "profile", None):
        given.append(("profile", args.profile))
    if len(given) > 1:
        raise usage_error(_("give priorities one way: --weight, --priority-order, --profile or --equal-weights"))
    in_body = [name for name in PRIORITY_KEYS if name in body]
    if given and in_body:
        raise usage_error(_("--request already gives %(field)s; leave out the priority flags or edit the request",
                            field=in_body[0]))
    body.update(given)
    for name in ("scenario", "k", "score_case"):
        if getattr(args, name, None) is not None:
            body[name] = getattr(args, name)
    return _accepted_text(body, _("the request"))


def _settings(args):
    from service.engine.settings import SolverSettings

    return SolverSettings(time_limit_seconds=args.time_limit)


def _print_fallback_note(texts) -> None:
    """Name the model texts shown in English for want of a translation (DESIGN.md §8.2), if any."""
    if texts.fell_back:
        print("\n" + _("In English for want of a translation: %(texts)s", texts="; ".join(texts.fell_back)))


def _print_json(document) -> None:
    print(json.dumps(document, indent=2, ensure_ascii=False))


def _print_result(args, result: dict, table) -> int:
    """The API's JSON with --json, else `table(result)`."""
    if args.json:
        _print_json(result)
    else:
        print(table(result))
    return EXIT_OK


# -- commands -----------------------------------------------------------------------------------


def command_models(args) -> int:
    from service.i18n import ModelTexts

    models = builtin_models()
    text = ModelTexts()
    if args.models_command == "show":
        model = models.get(args.id)
        if model is None:
            raise _unknown_model(args.id)
        document = model.to_document()
        if args.json:
            _print_json(document)
            return EXIT_OK
        print(_("%(id)s  %(title)s  (version %(version)s)", id=document["id"], title=text(document["title"]),
                version=document["version"]))
        sections = [(_("Criteria"), "name", document["criteria"]), (_("Options"), "name", document["options"]),
                    (_("Scenarios"), "name", document["scenarios"]),
                    (_("Profiles"), "label", document.get("profiles", []))]
        for heading, label, items in sections:
            if not items:
                continue
            width = max(len(item["id"]) for item in items)
            print(f"\n{heading}")
            for item in items:
                default = "  " + _("(default)") if item.get("default") else ""
                print(f"  {item['id']:<{width}}  {text(item.get(label))}{default}")
        _print_fallback_note(text)
        return EXIT_OK
    summaries = [{"id": m.id, "version": m.version, "title": given(m.title), "source": dict(m.source)}
                 for m in models.values()]
    if args.json:
        _print_json({"items": summaries})
        return EXIT_OK
    width = max(len(s["id"]) for s in summaries)
    for summary in summaries:
        print(f"{summary['id']:<{width}}  {summary['version'][:12]}  {text(summary['title'])}")
    _print_fallback_note(text)
    return EXIT_OK


def _value(number: float) -> str:
    """A package's or option's value as the tables show it: signed, four decimals, in the language."""
    return format_decimal(number, 4, signed=True)


def _package(options: list[str]) -> str:
    return " + ".join(options) or _("(status quo)")


def _effects(score_case: str) -> str:
    return {"low": _("low effects"), "likely": _("likely effects"), "high": _("high effects")}.get(score_case, score_case)


def _weights_source(source: str) -> str:
    return {"weights": _("weights as given"), "priority_order": _("weights from the priority order"),
            "admissible-centre": _("weights at the centre of the admissible ones")}.get(source, source)


def _rank_table(result: dict) -> str:
    heading = {"model": result["model"]["id"], "version": result["model"]["version"], "scenario": result["scenario"],
               "effects": _effects(result["score_case"]), "profile": result["profile"]}
    lines = [_("Model %(model)s (%(version)s), profile %(profile)s, scenario %(scenario)s, %(effects)s", **heading)
             if result["profile"] else _("Model %(model)s (%(version)s), scenario %(scenario)s, %(effects)s", **heading),
             "", _("Packages")]
    for package in result["packages"]:
        lines.append(f"  {package['rank']:>3}  {_value(package['value']):>7}  {_package(package['options'])}")
    lines += ["", _("Options on their own")]
    for option in result["options"]:
        lines.append(f"  {option['rank']:>3}  {_value(option['value']):>7}  {option['option']}")
    for item in result["excluded"]:
        lines.append("  " + _("excluded  %(option)s: %(reasons)s", option=item["option"],
                              reasons="; ".join(item["reasons"])))
    if result["explanations"]:
        lines += ["", _("What leaving the best package costs")]
        for item in result["explanations"]:
            if item["value_loss"] is not None:
                lines.append("  " + _("%(option)s: best with it %(package)s, value lost %(loss)s", option=item["option"],
                                      package=" + ".join(item["best_package_with_it"]),
                                      loss=format_decimal(item["value_loss"], 4)))
            else:
                lines.append("  " + _("%(option)s: impossible (%(reasons)s)", option=item["option"],
                                      reasons="; ".join(item["reasons"])))
    for warning in result["warnings"]:
        lines.append(_("warning: %(warning)s", warning=warning))
    lines += ["", _("input sha256 %(sha256)s, %(solver)s", sha256=result["provenance"]["input_sha256"],
                    solver=result["provenance"]["solver"])]
    return "\n".join(lines)


def command_rank(args) -> int:
    from service.engine.ranking import RankingRequest, rank
    from service.schemas.rankings import RankingRequestSchema

    model = _load_model(args)
    fields = RankingRequestSchema().load(request_body(args))
    result = rank(model, RankingRequest.from_fields(model, fields), _settings(args), method=args.method)
    return _print_result(args, result, _rank_table)


def _bound(value) -> str:
    return _("none") if value is None else format_decimal(value, 3)


def _robustness_table(result: dict) -> str:
    stability = result["stability"]
    lines = [_("Model %(model)s (%(version)s), scenario %(scenario)s, %(effects)s, %(weights)s",
               model=result["model"]["id"], version=result["model"]["version"], scenario=result["scenario"],
               effects=_effects(result["score_case"]), weights=_weights_source(result["weights_source"])), "",
             _("Best package %(package)s, best option %(option)s", package=_package(stability["best_package"]),
               option=stability["best_option"]), "", _("Verdicts")]
    lines += [f"  {verdict}" for verdict in result["verdicts"]]
    lines += ["", _("Weight stability of the best package (criterion, weight, lower, upper)")]
    for criterion, interval in stability["packages"].items():
        lines.append(f"  {criterion:<28} {format_decimal(interval['weight'], 3):>7} {_bound(interval['lower']):>7} "
                     f"{_bound(interval['upper']):>7}")
    lines += ["", _("Options: rank range and first-rank acceptability (%(samples)s SMAA samples, seed %(seed)s)",
                    samples=result["smaa"]["samples"], seed=result["smaa"]["seed"])]
    acceptability = {entry["option"]: entry["acceptability"][0] for entry in result["smaa"]["options"]}
    for entry in result["rank_ranges"]:
        ranks = _("ranks %(best)s..%(worst)s", best=entry["best"], worst=entry["worst"])
        lines.append(f"  {entry['option']:<28} {ranks}  {format_percent(acceptability.get(entry['option'], 0), 1):>7}")
    regret = result["scenarios"]["minimax_regret"]
    if regret["package"] is not None:
        lines += ["", _("Across scenarios, minimax regret: %(package)s (max regret %(regret)s)",
                        package=_package(regret["package"]), regret=format_decimal(regret["max_regret"], 4))]
    for warning in result["warnings"]:
        lines.append(_("warning: %(warning)s", warning=warning))
    lines += ["", _("input sha256 %(sha256)s", sha256=result["provenance"]["input_sha256"])]
    return "\n".join(lines)


def command_robustness(args) -> int:
    from service.engine.robustness import RobustnessRequest, analyse
    from service.schemas.robustness import RobustnessRequestSchema

    model = _load_model(args)
    body = request_body(args)
    if args.weight_interval:
        if "weight_intervals" in body:
            raise usage_error("--request already gives weight_intervals; leave out --weight-interval or edit the request")
        body["weight_intervals"] = _weight_intervals(args.weight_interval)
    for name in ("samples", "seed"):
        if getattr(args, name) is not None:
            body[name] = getattr(args, name)
    settings = _settings(args)
    fields = RobustnessRequestSchema().load(body)
    result = analyse(model, RobustnessRequest.from_fields(model, fields, settings), settings)
    return _print_result(args, result, _robustness_table)


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
        raise input_error(_("SOURCE_DATE_EPOCH must be whole seconds since 1970, not %(value)r", value=epoch)) from None


def _is_text(media_type: str) -> bool:
    return media_type.startswith("text/") or media_type == "application/json"


def command_brief(args) -> int:
    """Write a brief, wholly in the command's language: its title, sentences and file contents (DESIGN.md §8.2)."""
    from service.briefs.content import BriefRequest, build_brief
    from service.briefs.formats import FORMATS, RendererUnavailable
    from service.schemas.briefs import BriefRequestSchema

    chosen = FORMATS[args.format]
    if not args.output and not _is_text(chosen.media_type) and sys.stdout.isatty():
        raise usage_error(_("a %(format)s brief is binary: write it with -o FILE or redirect standard output",
                            format=args.format))
    model = _load_model(args)
    equal = {criterion: 1 for criterion in model.criterion_ids} if args.equal_weights else None
    body = request_body(args, weights=equal)
    for name in ("title", "audience"):
        if getattr(args, name) is not None:
            body[name] = getattr(args, name)
    if args.option:
        body["options"] = args.option
    _accepted_text(body, _("the request"))
    robustness = dict(body.get("robustness", {}))
    for name in ("samples", "seed"):
        if getattr(args, name) is not None:
            robustness[name] = getattr(args, name)
    if robustness:
        body["robustness"] = robustness
    fields = BriefRequestSchema().load(body)
    brief = build_brief(model, BriefRequest.from_fields(model, fields), _settings(args), generated_at=_generated_at())
    try:
        document = chosen.render(brief)
    except RendererUnavailable as error:
        raise CommandError(str(error)) from None
    if args.output:
        try:
            Path(args.output).write_bytes(document)
        except OSError as error:
            raise _cannot_write(args.output, error) from None
        print(_("wrote %(file)s (%(size)s bytes, %(format)s)", file=args.output, size=format_decimal(len(document), 0),
                format=args.format), file=sys.stderr)
    else:
        sys.stdout.buffer.write(document)
        sys.stdout.buffer.flush()
    return EXIT_OK


def _cannot_write(name: str, error: OSError) -> CommandError:
    return CommandError(_("cannot write %(file)s: %(reason)s", file=name, reason=error.strerror or error))


INVALID_MODEL_EXIT = EXIT_INVALID_INPUT


def command_model_check(args) -> int:
    """Print the validator's problems and warnings for a model file; exit 0 when valid, 3 when not."""
    import yaml

    from service.engine.model_check import check_model_document

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise input_error(_("cannot read %(file)s: %(reason)s", file=args.file, reason=error)) from None
    try:
        document = yaml.safe_load(text)  # YAML 1.1 reads JSON documents too
    except yaml.YAMLError as error:
        print(_("%(file)s: invalid: not YAML or JSON (%(reason)s)", file=args.file, reason=" ".join(str(error).split())))
        return INVALID_MODEL_EXIT
    check = check_model_document(document)
    if check.problems:
        print(ngettext("%(file)s: invalid: %(num)s problem", "%(file)s: invalid: %(num)s problems", len(check.problems),
                       file=args.file))
        for problem in check.problems:
            print(_("problem %(pointer)s: %(detail)s", pointer=problem.pointer or "/", detail=problem.detail))
        return INVALID_MODEL_EXIT
    model = check.model
    print(_("%(file)s: valid: model %(id)s version %(version)s, %(criteria)s criteria, %(options)s options, "
            "%(profiles)s profiles; %(warnings)s warnings", file=args.file, id=model.id, version=model.version,
            criteria=len(model.criteria), options=len(model.package_option_ids), profiles=len(model.profiles),
            warnings=len(check.warnings)))
    for warning in check.warnings:
        print(_("warning %(pointer)s: %(detail)s", pointer=warning.pointer, detail=warning.detail))
    return 0


def command_openapi(args) -> int:
    import yaml

    from service import create_app
    from service.openapi import openapi_document

    app = create_app({"DATABASE_URL": "sqlite://", "AUTO_MIGRATE": False})
    # Not sorted: the order of a response's media types is what some generators go by (service.openapi).
    text = yaml.safe_dump(openapi_document(app), sort_keys=False, allow_unicode=True)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise _cannot_write(args.output, error) from None
    else:
        sys.stdout.write(text)
    return EXIT_OK


def command_migrate(args) -> int:
    from service.platform.config import settings_from_environment
    from service.persistence.database import make_engine, migrate

    url = settings_from_environment()["DATABASE_URL"]
    where = url.split("@")[-1]  # never print a password
    engine = make_engine(url)
    try:
        migrate(engine)
    except Exception as error:  # noqa: BLE001 - any driver's error becomes one line
        raise CommandError(_("cannot migrate the database at %(where)s: %(reason)s", where=where,
                             reason=_first_line(error))) from None
    finally:
        engine.dispose()
    print(_("database at the latest schema: %(where)s", where=where))
    return EXIT_OK


# -- the parser ---------------------------------------------------------------------------------


def _model_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--model", default="minusma-2017", help=_("a built-in model id (default: minusma-2017)"))
    command.add_argument("--model-file", metavar="FILE", help=_("a model document (YAML or JSON) instead; - for stdin"))


def _request_options(command: argparse.ArgumentParser, request_help: str) -> None:
    """The options every command that takes a request body shares (DESIGN.md §5)."""
    _model_options(command)
    command.add_argument("--request", metavar="FILE.json", help=request_help)
    command.add_argument("--weight", action="append", metavar="CRITERION=VALUE",
                         help=_("a weight; repeat for each criterion"))
    command.add_argument("--priority-order", dest="priority_order", metavar="A,B=C,D",
                         help=_("criterion ids, most important first; '=' joins tied ones"))
    command.add_argument("--profile", metavar="ID",
                         help=_("a stakeholder profile of the model (its priorities and beliefs)"))
    command.add_argument("--scenario", help=_("a scenario id (default: the model's default scenario)"))
    command.add_argument("--score-case", dest="score_case", choices=("low", "likely", "high"))
    command.add_argument("--time-limit", type=float, default=10.0, help=_("solver time limit in seconds (default 10)"))


def _language_option(command: argparse.ArgumentParser, default=argparse.SUPPRESS) -> None:
    """--lang, before the command or on it (a subcommand's own leaves the one given before it alone)."""
    command.add_argument("--lang", choices=LANGUAGES, default=default,
                         help=_("the language of messages, tables and briefs (default: %(variable)s, else the locale, "
                                "else en); model texts without a translation stay in English",
                                variable=LANGUAGE_VARIABLE))


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def start_section(self, heading):
        # argparse puts the colon after a heading itself: French wants a no-break space before it.
        from service.i18n import current_language

        super().start_section(f"{heading}\u00a0" if current_language() == "fr" and heading else heading)


def N_(message: str) -> str:
    """Marks a message for the extractor only (pybabel's N_): it is translated where it is used."""
    return message


# argparse's own words that a reader meets (usage, headings, its usage errors), so that the catalogs hold
# them: argparse translates them itself, through the gettext that _argparse_speaking points at the catalogs.
ARGPARSE_MESSAGES = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"), N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"), N_("invalid %(type)s value: %(value)r"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"), N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"), N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
)


@contextlib.contextmanager
def _argparse_speaking():
    """argparse's own words in the language in force, from the same catalogs as ours."""
    from service.i18n import current_language, translations

    saved = argparse._, argparse.ngettext
    argparse._ = lambda message: translations(current_language()).ugettext(message)
    argparse.ngettext = lambda one, many, number: translations(current_language()).ungettext(one, many, number)
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def parser() -> argparse.ArgumentParser:
    """The command line's parser, its help in the language in force."""
    from importlib.metadata import version

    from service.briefs.formats import FORMATS  # names and media types only: renderers load on use

    description = _("The `policy-options` command: list models, rank, test robustness and write briefs without a "
                    "server; check a model file; migrate the database; write the OpenAPI document.")
    root = argparse.ArgumentParser(prog="policy-options", description=description,
                                   epilog=f"{priorities_help()}\n\n{exit_codes_help()}", formatter_class=_HelpFormatter)
    root.add_argument("--version", action="version", version=f"%(prog)s {version('policy-options')}",
                      help=_("show the version and exit"))
    _language_option(root, default=None)
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, run) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, epilog=exit_codes_help(),
                                  formatter_class=_HelpFormatter)
        sub.set_defaults(run=run)
        _language_option(sub)
        return sub

    models = command("models", _("list the built-in models, or show one's criteria, options, scenarios and profiles"),
                     command_models)
    models.add_argument("--json", action="store_true", help=_("print JSON instead of a table"))
    models.set_defaults(models_command="list")
    model_commands = models.add_subparsers(dest="models_command", metavar="{list,show}")
    _language_option(model_commands.add_parser("list", help=_("the built-in models (the default)"),
                                               formatter_class=_HelpFormatter))
    show = model_commands.add_parser("show", help=_("one model's ids and labels"), formatter_class=_HelpFormatter)
    show.add_argument("id", help=_("a model id"))
    show.add_argument("--json", action="store_true", help=_("print the whole model document as JSON"))
    _language_option(show)

    rank = command("rank", _("rank options and packages against priorities"), command_rank)
    _request_options(rank, _("a rankings request body, as the API takes it; - for stdin"))
    rank.add_argument("--k", type=int, help=_("packages to show (default 5)"))
    rank.add_argument("--method", choices=("auto", "enumeration", "milp"), default="auto")
    rank.add_argument("--json", action="store_true", help=_("print the API's JSON instead of a table"))

    robustness = command("robustness", _("how sure the ranking is: stability, rank ranges, SMAA, scenarios, verdicts"),
                         command_robustness)
    _request_options(robustness, _("a robustness request body, as the API takes it; - for stdin"))
    robustness.add_argument("--weight-interval", action="append", metavar="CRITERION=LOW:HIGH",
                            help=_("bounds on a normalized weight; repeat for each criterion"))
    robustness.add_argument("--samples", type=int, help=_("SMAA samples (default 10000)"))
    robustness.add_argument("--seed", type=int, help=_("SMAA seed (default 7)"))
    robustness.add_argument("--json", action="store_true", help=_("print the API's JSON instead of a table"))

    brief = command("brief", _("write a comparative option brief (Markdown, HTML, PDF, DOCX or JSON)"), command_brief)
    _request_options(brief, _("a briefs request body, as the API takes it; - for stdin"))
    brief.add_argument("--equal-weights", action="store_true", help=_("weigh every criterion of the model alike"))
    brief.add_argument("--k", type=int)
    brief.add_argument("--option", action="append", metavar="OPTION",
                       help=_("an option to compare; repeat (default: all)"))
    brief.add_argument("--title")
    brief.add_argument("--audience", help=_("who the brief is for"))
    brief.add_argument("--samples", type=int, help=_("SMAA samples (default 10000)"))
    brief.add_argument("--seed", type=int, help=_("SMAA seed (default 7)"))
    brief.add_argument("--format", choices=tuple(FORMATS), default="md",
                       help=_("%(formats)s (default md); a binary one (pdf, docx) needs -o or a redirect",
                              formats=", ".join(FORMATS)))
    brief.add_argument("-o", "--output", metavar="FILE", help=_("write here instead of standard output"))

    model = command("model", _("work with model documents"), None)
    model_commands = model.add_subparsers(dest="model_command", required=True, metavar="{check}")
    check = model_commands.add_parser(
        "check", help=_("validate a model file: problems and warnings (exit 0 valid, 3 invalid)"),
        formatter_class=_HelpFormatter)
    check.add_argument("file", metavar="FILE", help=_("a model document, YAML or JSON"))
    check.set_defaults(run=command_model_check)
    _language_option(check)

    openapi = command("openapi", _("write the OpenAPI document as YAML"), command_openapi)
    openapi.add_argument("-o", "--output", metavar="FILE")

    command("migrate", _("bring the database (DATABASE_URL) to the latest schema"), command_migrate)
    return root


# -- running ------------------------------------------------------------------------------------


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        language = _language_asked(argv) or language_from_environment()
    except CommandError as error:
        return _report(str(error), error.exit_code)
    with use_language(language):
        with _argparse_speaking():
            args = parser().parse_args(argv)  # exits 2 on a usage error, 0 for --help and --version
        try:
            return args.run(args)
        except CommandError as error:
            message, code = str(error), error.exit_code
        except ValidationError as error:
            message = "; ".join(f"{p or '/'}: {d}" for p, d in pointers_from_messages(error.messages))
            code = EXIT_INVALID_INPUT
        except (RequestInvalid, ModelInvalid) as error:
            message = "; ".join(f"{p.pointer or '/'}: {p.detail}" for p in error.problems)
            code = EXIT_INVALID_INPUT
        except InfeasibleConstraints as error:
            message = _("%(error)s (conflict: %(conflict)s)", error=error, conflict=json.dumps(error.conflict))
            code = EXIT_INFEASIBLE
        except KeyboardInterrupt:
            return 130
        except Exception as error:  # noqa: BLE001 - one line, never a traceback
            message, code = f"{type(error).__name__}: {_first_line(error)}", EXIT_FAILURE
        return _report(message, code)


def _report(message: str, code: int) -> int:
    # The problem details of the engine and the schemas stay English, as the API's do (DESIGN.md §8.2).
    print(_("policy-options: error: %(problem)s", problem=message), file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
