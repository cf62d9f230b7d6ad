"""One log entry laid out as a timeline, for the SVG the server draws.

Each thing that happened (a signal, a statement, a transaction boundary, an
``on_commit`` callback) gets a column, in order, and a lane: the view, one
lane per sender, the database, the transaction. Arrows say what sent what:
from a signal to what its receivers did (a receiver that saves another
model), and from the model a delete started from to the rows its cascade
took with it (the ``origin`` argument). This module only computes positions;
``playground/timeline.html`` loops over them.
"""

import re
from dataclasses import dataclass, field

from playground.models import LogEntry

LANE_HEIGHT = 56
LABELS_WIDTH = 150  # the lanes' names, left of the first column
COLUMN_WIDTH = 112
TOP = 8
NODE_WIDTH, NODE_HEIGHT = 104, 30
MAX_LABEL = 15  # characters that fit in a box
VIEW, DATABASE, TRANSACTION = "View", "Database", "Transaction"


@dataclass
class Lane:
    name: str
    y: int = 0

    @property
    def text_y(self) -> int:
        return self.y + 4


@dataclass
class Node:
    column: int
    lane: Lane
    kind: str  # "view", "signal", "sql", "transaction", "on_commit"
    label: str  # what fits in the box
    text: str  # the whole of it: the tooltip and the text equivalent
    sent_by: str = ""  # for the text equivalent: "the view", "pre_delete of Product"…

    @property
    def x(self) -> int:
        return LABELS_WIDTH + self.column * COLUMN_WIDTH

    @property
    def y(self) -> int:
        return self.lane.y - NODE_HEIGHT // 2

    @property
    def centre(self) -> tuple[int, int]:
        return self.x + NODE_WIDTH // 2, self.lane.y

    @property
    def text_x(self) -> int:
        return self.x + NODE_WIDTH // 2

    @property
    def text_y(self) -> int:
        return self.lane.y + 4

    @property
    def short_label(self) -> str:
        label = self.label
        return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


@dataclass
class Arrow:
    kind: str  # "sent" (a receiver's work) or "cascade"
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass
class Timeline:
    lanes: list[Lane]
    nodes: list[Node]
    arrows: list[Arrow] = field(default_factory=list)

    @property
    def width(self) -> int:
        return LABELS_WIDTH + (max(node.column for node in self.nodes) + 1) * COLUMN_WIDTH

    @property
    def height(self) -> int:
        return TOP + len(self.lanes) * LANE_HEIGHT


def _sql_label(text: str) -> str:
    verb = text.split()[0].upper() if text.split() else "SQL"
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"(?:playground_)?(\w+)"', text)
    return f"{verb} {table[1]}" if table else verb


def _label(item: dict) -> str:
    if item["kind"] == "signal":
        return item["signal"]
    if item["kind"] == "sql":
        return _sql_label(item["text"])
    if item["kind"] == "transaction":
        return re.sub(r' "[^"]+"$', "", item["text"]).replace("RELEASE ", "")
    return "on_commit " + item["result"].split()[0] if item["result"] else "on_commit"


def _text(item: dict) -> str:
    if item["kind"] == "signal":
        return f"{item['signal']} (sender {item['sender']})"
    if item["kind"] == "on_commit":
        outcome = f"raised {item['error']}" if item["error"] else item["result"]
        return f"on_commit callback {item['text']}: {outcome}"
    return item["text"]


def _lane_name(item: dict) -> str:
    if item["kind"] == "signal":
        return item["sender"]
    return DATABASE if item["kind"] == "sql" else TRANSACTION


def _origin_model(item: dict) -> str | None:
    """The model a delete started from, when it is not this event's own."""
    origin = dict(item.get("arguments", [])).get("origin", "")
    found = re.match(r"<(\w+): ", origin)
    if found and found[1] != item["sender"]:
        return found[1]
    return None


def lay_out(entry: LogEntry) -> Timeline:
    items = entry.timeline()
    names = [VIEW]
    for item in items:
        name = _lane_name(item)
        if name not in names and name not in (DATABASE, TRANSACTION):
            names.append(name)
    names += [name for name in (DATABASE, TRANSACTION) if any(_lane_name(i) == name for i in items)]
    lanes = {
        name: Lane(name, TOP + index * LANE_HEIGHT + LANE_HEIGHT // 2)
        for index, name in enumerate(names)
    }

    view = Node(0, lanes[VIEW], "view", "the view", entry.label)
    nodes, arrows = [view], []
    # The newest signal at each depth: what a deeper item was sent from.
    senders: dict[int, Node] = {}
    for column, item in enumerate(items, start=1):
        depth = item["depth"]
        parent = senders.get(depth - 1) if depth else None
        node = Node(
            column,
            lanes[_lane_name(item)],
            item["kind"],
            _label(item),
            _text(item),
            sent_by=f"a receiver of {parent.text}" if parent else "the view",
        )
        nodes.append(node)
        if parent is not None:
            arrows.append(Arrow("sent", *_edge(parent, node)))
        if (origin := _origin_model(item)) and origin in lanes:
            arrows.append(Arrow("cascade", *_from_lane(lanes[origin], node)))
            node.sent_by = f"the cascade from the {origin} being deleted"
        if item["kind"] == "signal":
            senders[depth] = node
            for deeper in [key for key in senders if key > depth]:
                del senders[deeper]
    return Timeline(list(lanes.values()), nodes, arrows)


def _edge(start: Node, end: Node) -> tuple[int, int, int, int]:
    """From the right edge of ``start`` to the nearest edge of ``end``."""
    x1, y1 = start.x + NODE_WIDTH, start.lane.y
    if end.lane.y == start.lane.y:
        return x1, y1, end.x, end.lane.y
    below = end.lane.y > start.lane.y
    return (
        x1,
        y1,
        end.x + NODE_WIDTH // 2,
        end.lane.y + (-NODE_HEIGHT if below else NODE_HEIGHT) // 2,
    )


def _from_lane(lane: Lane, end: Node) -> tuple[int, int, int, int]:
    """Straight down (or up) from ``lane`` to ``end``, in ``end``'s column."""
    x = end.x + NODE_WIDTH // 2
    towards = 1 if end.lane.y > lane.y else -1
    return x, lane.y + towards * 6, x, end.lane.y - towards * NODE_HEIGHT // 2
