"""The segment editor's condition builder: a tree shown as form fields, and posted fields read back.

Every node of the tree is a block of fields named by its key: the root is "n", its children
"n.0", "n.1", a grandchild "n.1.0". A hidden `node` field per node lists the keys in document
order, so the tree (and its children's order) is read back from the form alone; each node has
`<key>.kind` (group or condition), `<key>.not`, a group `<key>.op` (AND/OR) and a condition
`<key>.field` with its parameters (`<key>.days`, `<key>.period`, ...). NOT is a tick on any node,
read back as {"op": "NOT", "child": node}.

Nothing is validated here: the values go to gql/resolvers/segment_tree.py as typed (digits as
numbers), which refuses a bad tree with the path of the bad node; `paths` maps those paths back
to the keys, so each error is shown next to its node.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default

from starlette.datastructures import FormData

from gql.resolvers.segment_tree import FIELDS
from models.activity import ConsentChannel
from models.members import Grade
from web.coupon_labels import N_

ROOT = "n"
GROUP, CONDITION = "group", "condition"
# The parameter inputs of a condition (period and cmp are each two or three inputs).
TEXT_PARAMS = ("days", "period", "period_n", "cmp", "value", "value2", "match", "channel", "coupon_id", "when",
               "date", "tags")
DEFAULTS = {"days": "7", "period": "days", "period_n": "7", "cmp": "GTE", "value": "1", "value2": "",
            "match": "ANY", "channel": ConsentChannel.SMS.value, "coupon_id": "", "when": "WITHIN_DAYS",
            "date": "", "tags": "", "grades": []}
NEW_FIELD = "SIGNED_UP"

FIELD_LABELS = {
    "SIGNED_UP": N_("Signed up in the last n days"),
    "ORDER_COUNT": N_("Number of orders"),
    "AMOUNT_SPENT": N_("Amount spent (won)"),
    "LAST_ORDER": N_("Last order"),
    "GRADE": N_("Grade"),
    "POINTS_HELD": N_("Points held"),
    "POINTS_EARNED": N_("Points earned"),
    "EARNINGS": N_("Number of earnings"),
    "TAGS": N_("Tags"),
    "VISITS": N_("Number of visits"),
    "CONSENT": N_("Marketing consent"),
    "BIRTHDAY": N_("Birthday within n days"),
    "HOLDS_COUPON": N_("Holds an unused coupon"),
}
CHOICE_LABELS = {
    "AND": N_("All of (AND)"), "OR": N_("Any of (OR)"),
    "days": N_("in the last n days"), "months": N_("in the last n months"), "ever": N_("ever"),
    "GTE": N_("at least"), "LTE": N_("at most"), "EQ": N_("exactly"), "BETWEEN": N_("between"),
    "ANY": N_("has any of"), "ALL": N_("has all of"), "NONE": N_("has none of"),
    "WITHIN_DAYS": N_("within the last n days"), "BEFORE_DAYS": N_("more than n days ago"),
    "BEFORE_DATE": N_("before a date"), "AFTER_DATE": N_("after a date"),
    ConsentChannel.SMS: N_("SMS"), ConsentChannel.KAKAO: N_("Kakao"), ConsentChannel.EMAIL: N_("E-mail"),
    ConsentChannel.PUSH: N_("App push"), ConsentChannel.NIGHT: N_("Night-time advertising"),
}
CHOICES = {"fields": list(FIELDS), "field_labels": FIELD_LABELS, "choice_labels": CHOICE_LABELS,
           "periods": ["days", "months", "ever"], "cmps": ["GTE", "LTE", "EQ", "BETWEEN"],
           "matches": ["ANY", "ALL", "NONE"], "whens": ["WITHIN_DAYS", "BEFORE_DAYS", "BEFORE_DATE", "AFTER_DATE"],
           "channels": [c.value for c in ConsentChannel], "grades": [g.value for g in Grade]}


@dataclass
class Node:
    """One node of the builder: a group (op, children) or a condition (field, values), maybe negated."""

    key: str
    kind: str
    negated: bool = False
    op: str = "AND"
    children: list[Node] = default(default_factory=list)
    field: str = NEW_FIELD
    values: dict = default(default_factory=dict)

    def value(self, name: str):
        return self.values.get(name, DEFAULTS[name])

    def next_child_key(self) -> str:
        used = [int(c.key.rsplit(".", 1)[1]) for c in self.children]
        return f"{self.key}.{max(used, default=-1) + 1}"


def new_condition(key: str) -> Node:
    return Node(key, CONDITION, values={"days": "7"})


def new_group(key: str) -> Node:
    return Node(key, GROUP, children=[new_condition(f"{key}.0")])


# --- a stored tree as builder nodes ------------------------------------------------------------

def nodes_from_tree(tree: dict | None) -> Node:
    """The root group for a tree; a tree that is one condition becomes an AND group of it."""
    if not tree:
        return new_group(ROOT)
    root = _node(tree, ROOT)
    if root.kind == CONDITION:
        root.key = f"{ROOT}.0"
        return Node(ROOT, GROUP, children=[root])
    return root


def _node(tree: dict, key: str) -> Node:
    negated = False
    while tree.get("op") == "NOT":
        negated, tree = not negated, tree["child"]
    if "op" in tree:
        children = [_node(child, f"{key}.{i}") for i, child in enumerate(tree["children"])]
        return Node(key, GROUP, negated, op=tree["op"], children=children)
    return Node(key, CONDITION, negated, field=tree["field"], values=_values(tree))


def _values(c: dict) -> dict:
    values: dict = {}
    for name in ("days", "coupon_id", "match", "channel", "when", "date"):
        if name in c:
            values[name] = str(c[name])
    if "period" in c:
        period = c["period"]
        values["period"] = next((k for k in ("days", "months") if k in period), "ever")
        values["period_n"] = str(period.get(values["period"], ""))
    if "cmp" in c:
        values.update(cmp=c["cmp"]["op"], value=str(c["cmp"]["value"]), value2=str(c["cmp"].get("value2", "")))
    if "tags" in c:
        values["tags"] = ", ".join(c["tags"])
    if "grades" in c:
        values["grades"] = list(c["grades"])
    return values


# --- posted fields as builder nodes, and as a tree ---------------------------------------------

def nodes_from_form(form: FormData) -> Node:
    """The builder as posted (values as typed); a form without nodes gives a new group."""
    by_key: dict[str, Node] = {}
    for key in form.getlist("node"):
        key = str(key)
        if key in by_key or (key != ROOT and key.rsplit(".", 1)[0] not in by_key):
            continue  # a repeated key or an orphan is not part of the tree
        kind = GROUP if form.get(f"{key}.kind") == GROUP else CONDITION
        node = Node(key, kind, negated=form.get(f"{key}.not") == "on", op=str(form.get(f"{key}.op", "AND")),
                    field=str(form.get(f"{key}.field", NEW_FIELD)))
        if kind == CONDITION:
            node.values = {name: str(form[f"{key}.{name}"]).strip() for name in TEXT_PARAMS if f"{key}.{name}" in form}
            if f"{key}.grades_shown" in form:
                node.values["grades"] = [str(g) for g in form.getlist(f"{key}.grades")]
        by_key[key] = node
        if key != ROOT:
            by_key[key.rsplit(".", 1)[0]].children.append(node)
    root = by_key.get(ROOT)
    if root is None or root.kind != GROUP:
        return new_group(ROOT)
    return root


def apply_action(root: Node, action: str, at: str) -> None:
    """The builder's buttons: add a condition or a group to the group `at`, or remove node `at`."""
    target = find(root, at)
    if target is None:
        return
    if action == "add_condition" and target.kind == GROUP:
        target.children.append(new_condition(target.next_child_key()))
    elif action == "add_group" and target.kind == GROUP:
        target.children.append(new_group(target.next_child_key()))
    elif action == "remove" and at != ROOT:
        parent = find(root, at.rsplit(".", 1)[0])
        parent.children = [c for c in parent.children if c.key != at]


def find(node: Node, key: str) -> Node | None:
    if node.key == key:
        return node
    for child in node.children:
        found = find(child, key)
        if found:
            return found
    return None


@dataclass
class BuiltTree:
    tree: dict
    paths: dict[str, str]  # the validator's path of a node -> its key


def tree_of(root: Node) -> BuiltTree:
    paths: dict[str, str] = {}
    return BuiltTree(_tree(root, "tree", paths), paths)


def _tree(node: Node, path: str, paths: dict[str, str]) -> dict:
    paths[path] = node.key
    if node.negated:
        path = f"{path}.child"
        paths[path] = node.key
    if node.kind == GROUP:
        built = {"op": node.op, "children": [_tree(c, f"{path}.children[{i}]", paths)
                                             for i, c in enumerate(node.children)]}
    else:
        built = {"field": node.field, **_parameters(node)}
    return {"op": "NOT", "child": built} if node.negated else built


def _number(text: str):
    """Digits as a number; anything else as typed, for the validator to refuse with its path."""
    text = text.replace(",", "").strip()
    return int(text) if text.isdigit() else (text or None)


def _parameters(node: Node) -> dict:
    v = node.value
    built: dict = {}
    for name in FIELDS.get(node.field, ()):
        if name == "period":
            built["period"] = {"ever": True} if v("period") == "ever" else {v("period"): _number(v("period_n"))}
        elif name == "cmp":
            built["cmp"] = {"op": v("cmp"), "value": _number(v("value"))}
            if v("cmp") == "BETWEEN":
                built["cmp"]["value2"] = _number(v("value2"))
        elif name in ("days", "coupon_id"):
            built[name] = _number(v(name))
        elif name == "tags":
            built["tags"] = [t.strip() for t in v("tags").split(",") if t.strip()]
        elif name == "grades":
            built["grades"] = list(v("grades"))
        elif name == "when":
            built["when"] = v("when")
            if v("when") in ("WITHIN_DAYS", "BEFORE_DAYS"):
                built["days"] = _number(v("days"))
            else:
                built["date"] = v("date")
        else:
            built[name] = v(name)
    return built


def errors_by_node(paths: dict[str, str], messages: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """Problems (by field) on tree paths, as (path, message) lists under the key of the deepest node
    whose path starts the problem's path; problems on the whole tree go under the root."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path, message in messages.items():
        if not path.startswith("tree"):
            continue
        owner = max((p for p in paths if path == p or path.startswith((f"{p}.", f"{p}["))), key=len, default="tree")
        found.setdefault(paths.get(owner, ROOT), []).append((path, message))
    return found
