"""A fast path for loading valid request bodies, compiled from the marshmallow schema itself.

marshmallow stays the schema of record: the OpenAPI document, every refusal (its messages and
pointers) and every body the fast path is not sure of. The fast path only ever says "this body is
valid, and here is what marshmallow would load from it", or declines; marshmallow then loads the
body as always. So a refusal is marshmallow's, word for word, whatever the fast path does.

What it compiles: a schema's load fields (data keys, attributes, `required`, `load_default`), its
`unknown = RAISE`, its `@validates_schema` methods; Nested fields and Lists of them recursively;
every other field through the field's own `deserialize` (its type checks and validators), without
the machinery of `Schema.load` around it (error stores, processors, partial loading), which is most
of what a load costs. A schema with processors (`pre_load`, `post_load`), field validators
(`@validates`) or another `unknown` is not compiled: it loads through marshmallow alone.
tests/test_fastload.py checks that both agree on the hostile corpus and on generated bodies.
"""

from __future__ import annotations

from collections.abc import Callable

from marshmallow import RAISE, Schema, ValidationError, fields
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.utils import missing

from models.schema import StrictInteger, StrictNumber


class Declined(Exception):
    """The fast path is not sure: marshmallow decides."""


def compile_loader(schema: Schema) -> Callable[[object], dict] | None:
    """A function loading a valid body as `schema.load` would, raising `Declined` otherwise;
    None when the schema uses what the fast path does not reproduce."""
    hooks = schema._hooks
    if hooks[PRE_LOAD] or hooks[POST_LOAD] or hooks[VALIDATES] or schema.unknown != RAISE or schema.partial \
            or schema.only or schema.exclude:
        return None
    validators = []
    for name, many, options in hooks[VALIDATES_SCHEMA]:
        if many or options.get("pass_original"):
            return None
        validators.append(getattr(schema, name))
    plan = []
    for name, field in schema.load_fields.items():
        loader = _field_loader(field)
        if loader is None:
            return None
        default = field.load_default
        plan.append((field.data_key or name, field.attribute or name, loader, field.required, default))
    known = frozenset(key for key, *_ in plan)

    def load(data) -> dict:
        if type(data) is not dict or not known.issuperset(data):
            raise Declined
        loaded = {}
        for key, attribute, loader, required, default in plan:
            value = data.get(key, missing)
            if value is missing:
                if required:
                    raise Declined
                if default is not missing:
                    loaded[attribute] = default() if callable(default) else default
                continue
            loaded[attribute] = loader(value)
        for validator in validators:
            validator(loaded, partial=None, many=False, unknown=None)
        return loaded

    return _declining_on_errors(load)


def _field_loader(field: fields.Field) -> Callable[[object], object] | None:
    if isinstance(field, fields.Nested):
        if field.many or field.only or field.exclude or field.unknown or field.validators or field.allow_none \
                or not isinstance(field.nested, type | Schema):
            return None
        return compile_loader(field.schema)
    if type(field) is fields.List and isinstance(field.inner, fields.Nested):
        inner = _field_loader(field.inner)
        if inner is None or field.allow_none:
            return None
        validate = field._validate

        def load_list(value):
            if type(value) is not list:
                raise Declined
            loaded = [inner(item) for item in value]
            validate(loaded)
            return loaded

        return load_list
    leaf = _leaf_loader(field)
    if leaf is not None:
        return leaf
    deserialize = field.deserialize
    return lambda value: deserialize(value)


def _checked(convert: Callable, validators: list) -> Callable:
    """`convert`, then the field's validators as marshmallow runs them (False fails too)."""
    if not validators:
        return convert

    def load(value):
        value = convert(value)
        for validator in validators:
            if validator(value) is False:
                raise Declined
        return value

    return load


def _text(value):
    if type(value) is not str:
        raise Declined
    return value


def _strict_number(value):
    kind = type(value)
    if kind is float:
        if value - value != 0.0:  # inf or nan
            raise Declined
        return value
    if kind is int and -_DOUBLE_INTEGERS < value < _DOUBLE_INTEGERS:
        return float(value)
    raise Declined


def _strict_integer(value):
    if type(value) is not int:
        raise Declined
    return value


_DOUBLE_INTEGERS = 2**53  # integers a double holds exactly; larger ones take marshmallow's path
# Fields loaded inline, by exact class (a subclass may load differently): the check of the value's
# JSON type that the field's _deserialize makes, then its validators.
_LEAVES = {fields.String: _text, StrictNumber: _strict_number, StrictInteger: _strict_integer}


def _leaf_loader(field: fields.Field) -> Callable[[object], object] | None:
    convert = _LEAVES.get(type(field))
    if convert is not None:
        return _checked(convert, list(field.validators))
    if type(field) is fields.Dict and field.key_field is not None and field.value_field is not None:
        keys, values = _leaf_loader(field.key_field), _leaf_loader(field.value_field)
        if keys is None or values is None:
            return None

        def load_mapping(value):
            if type(value) is not dict:
                raise Declined
            return {keys(key): values(item) for key, item in value.items()}

        return _checked(load_mapping, list(field.validators))
    return None


def _declining_on_errors(load: Callable) -> Callable:
    def guarded(data):
        try:
            return load(data)
        except ValidationError:
            raise Declined from None

    return guarded


class FastLoadSchema(Schema):
    """A schema whose `load` tries its compiled fast path first (for one body, with its own options)."""

    _fast_loader = None  # compiled on the first load, so importing the schema costs nothing more

    def load(self, data, *, many=None, partial=None, unknown=None):
        if many is None and partial is None and unknown is None:
            fast = self._fast_loader
            if fast is None:
                fast = self._fast_loader = compile_loader(self) or False
            if fast:
                try:
                    return fast(data)
                except Declined:
                    pass
        return super().load(data, many=many, partial=partial, unknown=unknown)
