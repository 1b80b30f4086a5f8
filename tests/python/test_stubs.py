# The type stubs (_symdiff.pyi) name exactly what the native module defines, and the public
# API has docstrings for help() and editors.
import ast
import inspect
import pathlib

import symdiff
from symdiff import _symdiff

STUB = pathlib.Path(symdiff.__file__).with_name("_symdiff.pyi")


def stub_names():
    tree = ast.parse(STUB.read_text())
    top, members = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top.add(node.name)
        if isinstance(node, ast.ClassDef):
            members[node.name] = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AnnAssign))
                                  and not isinstance(n, ast.AnnAssign)} | {
                n.target.id for n in node.body if isinstance(n, ast.AnnAssign)}
    return top, members


def test_stubs_match_the_module():
    assert (pathlib.Path(symdiff.__file__).parent / "py.typed").exists()
    top, members = stub_names()
    defined = {n for n in dir(_symdiff) if not n.startswith("__")}
    assert top == defined
    for cls in ("Expr", "Context", "Kernel"):
        runtime = {n for n, _ in inspect.getmembers(getattr(_symdiff, cls))
                   if not n.startswith("__") or n in members[cls]}
        runtime -= {"_pybind11_conduit_v1_"}
        assert members[cls] - {"__init__"} <= runtime | {"__init__"}, members[cls] - runtime
        assert {n for n in runtime if not n.startswith("__")} <= members[cls]


def test_public_api_is_documented():
    for name in symdiff.__all__:
        obj = getattr(symdiff, name)
        if isinstance(obj, symdiff.Expr):
            continue
        assert obj.__doc__ and obj.__doc__.strip(), name
    for name in ("diff", "grad", "hessian", "jacobian", "steps", "simplify", "subs", "evaluate", "to_latex"):
        assert getattr(symdiff.Expr, name).__doc__, name
