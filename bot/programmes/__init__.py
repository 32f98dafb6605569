"""Programme templates: the steps of a programme, placed relative to its three sessions."""

from bot.programmes.loader import (
    DEFAULT_PROGRAMME,
    check_programme,
    default_programme,
    load_programme,
    parse_programme,
    programme_by_id,
    use_template_source,
)
from bot.programmes.model import (
    KINDS,
    PLACEHOLDERS,
    Item,
    Programme,
    ProgrammeError,
    SessionInfo,
    Step,
    Text,
)
from bot.programmes.timeline import TimelineEntry, step_moment, timeline

__all__ = [
    "DEFAULT_PROGRAMME",
    "KINDS",
    "PLACEHOLDERS",
    "Item",
    "Programme",
    "ProgrammeError",
    "SessionInfo",
    "Step",
    "Text",
    "TimelineEntry",
    "check_programme",
    "default_programme",
    "load_programme",
    "parse_programme",
    "programme_by_id",
    "step_moment",
    "timeline",
    "use_template_source",
]
