"""A static check of the intervention contract: no assignment into another object's state.

Interventions change the world through mechanism verbs and ``levers`` only.
This scanner walks every function of a module and reports any assignment
(``=``, ``+=``, ``del``, a mutating method such as ``append``, or numpy's
``out=`` / ``np.add.at``) whose target is reached from an argument other than
``self`` (``model``, an organiser, ...) or from a local alias of such an
object (``log = model.issues``; ``for org in model.organisers``), except
through ``<arg>.levers``. Locals built by the intervention (``np.ones(...)``)
and its own attributes (``self.x``) are its own.
"""

from __future__ import annotations

import ast

MUTATING_METHODS = {
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "clear",
    "update",
    "setdefault",
    "fill",
    "sort",
    "resize",
    "put",
    "itemset",
    "__setitem__",
}


def _chain(node: ast.AST) -> list[str] | None:
    """Names along an attribute/subscript chain from its root: ``model.pop.x[i]`` -> [model, pop, x]."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return parts[::-1]
        else:
            return None


class _FunctionScan(ast.NodeVisitor):
    def __init__(self, func: ast.FunctionDef, where: str):
        self.where = where
        args = func.args
        names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
        names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
        self.foreign = {n for n in names if n not in ("self", "cls")}
        self.levers: set[str] = set()  # aliases of <arg>.levers (writable)
        self.found: list[str] = []

    # A name is foreign if it is an argument or an alias bound from a foreign chain.
    def _is_foreign_chain(self, node: ast.AST) -> bool:
        chain = _chain(node)
        return chain is not None and chain[0] in self.foreign

    def _bind(self, target: ast.AST, value: ast.AST | None) -> None:
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
            for t, v in zip(target.elts, value.elts, strict=True):
                self._bind(t, v)
        elif isinstance(target, ast.Name):
            self.foreign.discard(target.id)
            self.levers.discard(target.id)
            if value is not None and self._is_foreign_chain(value):
                chain = _chain(value) or []
                if self._writable(chain):
                    self.levers.add(target.id)
                else:
                    self.foreign.add(target.id)

    def _writable(self, chain: list[str]) -> bool:
        """Through the levers: ``model.levers...`` or an alias of it."""
        return bool(chain) and (chain[0] in self.levers or (len(chain) > 1 and chain[1] == "levers"))

    def _check_target(self, target: ast.AST, line: int) -> None:
        if isinstance(target, ast.Tuple):
            for t in target.elts:
                self._check_target(t, line)
            return
        if isinstance(target, ast.Name):
            return
        chain = _chain(target)
        if chain and chain[0] in self.foreign and not self._writable(chain):
            self.found.append(f"{self.where}:{line}: writes {'.'.join(chain)}")

    def visit_Assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            self._check_target(t, node.lineno)
        for t in node.targets:
            self._bind(t, node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target, node.lineno)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target, node.lineno)
        self._bind(node.target, node.value)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for t in node.targets:
            self._check_target(t, node.lineno)

    def visit_For(self, node: ast.For) -> None:
        if self._is_foreign_chain(node.iter) or (
            isinstance(node.iter, ast.Call) and any(self._is_foreign_chain(a) for a in node.iter.args)
        ):
            for name in ast.walk(node.target):
                if isinstance(name, ast.Name):
                    self.foreign.add(name.id)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr in MUTATING_METHODS and self._is_foreign_chain(f.value):
            chain = _chain(f.value) or []
            if not self._writable(chain):
                self.found.append(f"{self.where}:{node.lineno}: {'.'.join(chain)}.{f.attr}(...)")
        for kw in node.keywords:
            if kw.arg == "out" and self._is_foreign_chain(kw.value):
                self.found.append(f"{self.where}:{node.lineno}: out= writes {'.'.join(_chain(kw.value) or [])}")
        chain = _chain(f) or []
        if (
            (chain[-2:] == ["add", "at"] or chain[-1:] == ["copyto"])
            and node.args
            and self._is_foreign_chain(node.args[0])
        ):
            self.found.append(f"{self.where}:{node.lineno}: {'.'.join(chain)} into {'.'.join(_chain(node.args[0]))}")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        pass  # nested functions are scanned on their own

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef


def field_writes(source: str, filename: str = "<source>") -> list[str]:
    """Every write into another object's state in ``source``, as ``file:line: what``."""
    tree = ast.parse(source, filename)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            scan = _FunctionScan(node, filename)
            for stmt in node.body:
                scan.visit(stmt)
            found += scan.found
    return found
