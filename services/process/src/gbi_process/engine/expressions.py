"""The small expression language of the models: gateway conditions, timer moments, due dates and script tasks.

A model may compute nothing a reviewer cannot read at a glance, so this is not Python's ``eval``. An expression is
parsed with :mod:`ast` and interpreted here over a whitelist:

- literals (text, whole numbers, ``True``, ``False``, ``None``), lists of expressions;
- process variables by name (``stp``, ``aanvraagdatum``), and ``name["key"]`` / ``name[0]`` on structured values;
- ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``in``, ``not in`` (one comparison per test, no chains);
- ``and``, ``or``, ``not`` on booleans only; ``+`` and ``-`` on whole numbers only;
- the functions ``na_dagen(datum, n)``, ``na_weken(datum, n)`` (an ISO date ``n`` days/weeks later; ``n`` may be
  negative) and ``cyclus(datum, "P4W")`` (the ISO 8601 repeating interval ``R/<datum>/P4W`` of a cycle timer).

A script task is one or more assignments ``name = expression``, one per line, and nothing else.

Errors are real errors: an unknown variable, ``True and "ja"``, or comparing a boolean with a text raise
:class:`~gbi_process.engine.errors.ExpressionError` naming the expression, instead of quietly being false (FEEL
style) or surfacing as a misleading ``NameError`` from deep inside the engine.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from gbi_process.engine.errors import ExpressionError

__all__ = ["FUNCTIONS", "Assignments", "Expression", "compile_expression", "compile_script", "parse_period"]

_PERIOD = re.compile(r"^P(?:(\d+)W|(\d+)D)$")


def parse_period(period: str) -> timedelta:
    """An ISO 8601 period in whole weeks or days (``P4W``, ``P14D``): legal terms here are counted that way."""
    m = _PERIOD.match(period)
    if m is None:
        raise ExpressionError(f"period {period!r} is not whole weeks or days (P4W, P14D)")
    weeks, days = m.groups()
    return timedelta(weeks=int(weeks)) if weeks else timedelta(days=int(days))


def _date(value: Any, fn: str) -> date:
    if not isinstance(value, str):
        raise ExpressionError(f"{fn}: expected an ISO date (text), got {type(value).__name__}")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ExpressionError(f"{fn}: {value!r} is not an ISO date (YYYY-MM-DD)") from exc


def _whole(value: Any, fn: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExpressionError(f"{fn}: expected a whole number, got {type(value).__name__}")
    return value


def _na_dagen(datum: Any, dagen: Any) -> str:
    return (_date(datum, "na_dagen") + timedelta(days=_whole(dagen, "na_dagen"))).isoformat()


def _na_weken(datum: Any, weken: Any) -> str:
    return (_date(datum, "na_weken") + timedelta(weeks=_whole(weken, "na_weken"))).isoformat()


def _cyclus(datum: Any, periode: Any) -> str:
    start = _date(datum, "cyclus")
    if not isinstance(periode, str):
        raise ExpressionError("cyclus: the period must be text such as 'P4W'")
    parse_period(periode)
    return f"R/{start.isoformat()}/{periode}"


FUNCTIONS: Mapping[str, tuple[int, Callable[..., Any]]] = {
    "na_dagen": (2, _na_dagen),
    "na_weken": (2, _na_weken),
    "cyclus": (2, _cyclus),
}

_COMPARE: Mapping[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}


def _kind(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _check(node: ast.AST, source: str) -> None:
    """Reject, at compile time, every construct outside the whitelist."""
    if isinstance(node, ast.Expression):
        _check(node.body, source)
    elif isinstance(node, ast.Constant):
        if not (node.value is None or isinstance(node.value, bool | int | float | str)):
            raise ExpressionError(f"literal {node.value!r} is not allowed in {source!r}")
    elif isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ExpressionError(f"name {node.id!r} is not allowed in {source!r}")
    elif isinstance(node, ast.List | ast.Tuple):
        for elt in node.elts:
            _check(elt, source)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, source)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.Not | ast.USub):
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed in {source!r}")
        _check(node.operand, source)
    elif isinstance(node, ast.BinOp):
        if not isinstance(node.op, ast.Add | ast.Sub):
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed in {source!r}")
        _check(node.left, source)
        _check(node.right, source)
    elif isinstance(node, ast.Compare):
        if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:
            raise ExpressionError(f"use exactly one comparison (==, !=, <, <=, >, >=, in) per test in {source!r}")
        _check(node.left, source)
        _check(node.comparators[0], source)
    elif isinstance(node, ast.Subscript):
        if not (isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str | int)):
            raise ExpressionError(f"only name['key'] or name[0] subscripts are allowed in {source!r}")
        _check(node.value, source)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ExpressionError(f"unknown function in {source!r}; allowed: {', '.join(sorted(FUNCTIONS))}")
        if node.keywords or len(node.args) != FUNCTIONS[node.func.id][0]:
            raise ExpressionError(
                f"{node.func.id} takes {FUNCTIONS[node.func.id][0]} positional arguments in {source!r}"
            )
        for arg in node.args:
            _check(arg, source)
    else:
        raise ExpressionError(f"{type(node).__name__} is not allowed in expressions: {source!r}")


def _names(node: ast.AST) -> frozenset[str]:
    called = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in called)


class _Interpreter:
    def __init__(self, source: str, variables: Mapping[str, Any]) -> None:
        self.source = source
        self.variables = variables

    def fail(self, message: str) -> ExpressionError:
        return ExpressionError(f"{message} in {self.source!r}")

    def bool_of(self, node: ast.expr) -> bool:
        value = self.eval(node)
        if not isinstance(value, bool):
            raise self.fail(f"expected a boolean, got {_kind(value)} {value!r}")
        return value

    def eval(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in self.variables:
                known = ", ".join(sorted(self.variables)) or "none"
                raise self.fail(f"unknown variable {node.id!r} (known: {known})")
            return self.variables[node.id]
        if isinstance(node, ast.List | ast.Tuple):
            return [self.eval(elt) for elt in node.elts]
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                return all(self.bool_of(v) for v in node.values)
            return any(self.bool_of(v) for v in node.values)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return not self.bool_of(node.operand)
            operand = self.eval(node.operand)
            if _kind(operand) != "number":
                raise self.fail(f"cannot negate {_kind(operand)} {operand!r}")
            return -operand
        if isinstance(node, ast.BinOp):
            left, right = self.eval(node.left), self.eval(node.right)
            if _kind(left) != "number" or _kind(right) != "number":
                raise self.fail(f"+ and - work on numbers only, got {_kind(left)} and {_kind(right)}")
            return left + right if isinstance(node.op, ast.Add) else left - right
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Subscript):
            container = self.eval(node.value)
            key = node.slice.value if isinstance(node.slice, ast.Constant) else None
            try:
                return container[key]
            except (KeyError, IndexError, TypeError) as exc:
                raise self.fail(f"no element [{key!r}] in {_kind(container)}") from exc
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            _, fn = FUNCTIONS[node.func.id]
            args = [self.eval(arg) for arg in node.args]
            try:
                return fn(*args)
            except ExpressionError as exc:
                raise self.fail(str(exc)) from exc
        raise self.fail(f"{type(node).__name__} is not allowed")  # unreachable after _check

    def compare(self, node: ast.Compare) -> bool:
        op = _COMPARE[type(node.ops[0])]
        left, right = self.eval(node.left), self.eval(node.comparators[0])
        if op in ("in", "not in"):
            if not isinstance(right, list | tuple):
                raise self.fail(f"'{op}' needs a list on the right, got {_kind(right)}")
            for item in right:
                self.comparable(left, item, op)
            return (left in right) == (op == "in")
        self.comparable(left, right, op)
        if op == "==":
            return bool(left == right)
        if op == "!=":
            return bool(left != right)
        if None in (left, right) or _kind(left) not in ("number", "text"):
            raise self.fail(f"cannot order {_kind(left)} {left!r} and {_kind(right)} {right!r} with {op}")
        if op == "<":
            return bool(left < right)
        if op == "<=":
            return bool(left <= right)
        if op == ">":
            return bool(left > right)
        return bool(left >= right)

    def comparable(self, left: Any, right: Any, op: str) -> None:
        # None compares with anything (== None tests absence); otherwise the kinds must agree, so a typo such as
        # stp == "True" is an error instead of a branch that silently never matches.
        if left is None or right is None:
            return
        if _kind(left) != _kind(right):
            raise self.fail(f"cannot compare {_kind(left)} {left!r} with {_kind(right)} {right!r} using {op}")


@dataclass(frozen=True)
class Expression:
    """A compiled expression: ``names`` are the variables it reads."""

    source: str
    names: frozenset[str]
    _tree: ast.Expression

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        return _Interpreter(self.source, variables).eval(self._tree.body)


@dataclass(frozen=True)
class Assignments:
    """A compiled script task: ``targets`` are the variables it sets, ``names`` those it reads."""

    source: str
    targets: tuple[str, ...]
    names: frozenset[str]
    _steps: tuple[tuple[str, Expression], ...]

    def execute(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The assignments' results, each visible to the next line; ``variables`` is not changed."""
        scope = dict(variables)
        result: dict[str, Any] = {}
        for target, expression in self._steps:
            scope[target] = result[target] = expression.evaluate(scope)
        return result


def compile_expression(source: str) -> Expression:
    text = source.strip()
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in expression {text!r}: {exc.msg}") from exc
    _check(tree, text)
    return Expression(text, _names(tree), tree)


def compile_script(source: str) -> Assignments:
    text = "\n".join(line.strip() for line in source.strip().splitlines() if line.strip())
    try:
        module = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in script {text!r}: {exc.msg}") from exc
    steps: list[tuple[str, Expression]] = []
    for stmt in module.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            raise ExpressionError(f"a script may only contain assignments 'name = expression', got: {text!r}")
        target = stmt.targets[0].id
        if target.startswith("_") or target in FUNCTIONS:
            raise ExpressionError(f"cannot assign to {target!r} in {text!r}")
        expression = compile_expression(ast.unparse(stmt.value))
        steps.append((target, expression))
    if not steps:
        raise ExpressionError("a script task needs at least one assignment")
    targets = tuple(t for t, _ in steps)
    names = frozenset().union(*(e.names for _, e in steps)) - set(targets)
    return Assignments(text, targets, names, tuple(steps))
