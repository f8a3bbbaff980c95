"""reflow's rewrites of a cell's tree are set aside only where they would change nothing
(``runtime.rewrites``): the cached-block rewrite without a ``with`` it looks into, the
private-name rewrite outside any_order. Set aside wrongly, a cached block would run its
body on a hit or a private name would leak; so each row says which trees are left alone,
and the rows where the rewrite must run are checked to change the tree."""

from __future__ import annotations

import ast

import pytest

from reflow.cache.blocks import CachedBlockTransformer
from reflow.runtime.private import PrivateNames
from reflow.runtime.rewrites import at_work, idle_set_aside, leaves_alone

BLOCK = "with reflow.persistent_cache('k'):\n    y = 1"


@pytest.mark.parametrize(
    ("source", "alone"),
    [
        ("x = 1", True),
        ("def f():\n    " + BLOCK.replace("\n", "\n    "), True),  # locals: not rewritten
        ("class K:\n    " + BLOCK.replace("\n", "\n    "), True),
        (BLOCK, False),
        ("if x:\n    " + BLOCK.replace("\n", "\n    "), False),
        ("for i in r:\n    pass\nelse:\n    " + BLOCK.replace("\n", "\n    "), False),
        ("try:\n    pass\nexcept E:\n    " + BLOCK.replace("\n", "\n    "), False),
        ("try:\n    pass\nfinally:\n    " + BLOCK.replace("\n", "\n    "), False),
        ("match v:\n    case 1:\n        " + BLOCK.replace("\n", "\n        "), False),
        ("with open('f') as h:\n    pass", False),  # any `with`: the rewrite decides
    ],
)
def test_the_cached_block_rewrite_leaves_alone_only_trees_it_would_not_change(
    source: str, alone: bool
) -> None:
    tree = ast.parse(source)
    transformer = CachedBlockTransformer()
    assert leaves_alone(transformer, tree) is alone
    if alone:  # what it says is true: it would have changed nothing
        before = ast.dump(tree)
        assert ast.dump(transformer.visit(tree)) == before
    if "persistent_cache" in source and not alone:
        assert "_reflow_hit" in ast.unparse(transformer.visit(ast.parse(source)))


def test_the_private_name_rewrite_works_only_in_any_order() -> None:
    any_order = [False]
    rewrite = PrivateNames(lambda: any_order[0])
    tree = ast.parse("_x = 1")
    assert leaves_alone(rewrite, tree)
    any_order[0] = True
    assert not leaves_alone(rewrite, tree)


def test_idle_rewrites_are_set_aside_for_the_duration_and_put_back_in_place() -> None:
    class Foreign(ast.NodeTransformer):  # a user's own: never set aside
        pass

    foreign, block, private = Foreign(), CachedBlockTransformer(), PrivateNames(lambda: False)
    transformers: list[ast.NodeTransformer] = [block, foreign, private]
    tree = ast.parse("x = 1")
    assert at_work(transformers, tree) == [foreign]
    with idle_set_aside(transformers, tree):
        assert transformers == [foreign]
    assert transformers == [block, foreign, private]
    with pytest.raises(RuntimeError), idle_set_aside(transformers, tree):
        raise RuntimeError("the cell's transform failed")
    assert transformers == [block, foreign, private]
    with idle_set_aside(transformers, ast.parse(BLOCK)):
        assert transformers == [block, foreign]
    assert transformers == [block, foreign, private]
