"""Who sees how much of the problems: the one visibility rule of the ledger and the API.

Every signed-in user sees the list (台账) as the site shows it, and one problem on its post's
page. The ledger in bulk with every field (scan, analysis, proposal, instructions, outcomes,
figures, the event trail) is for the desk and the leadership: the .xlsx/.csv export and
`GET /api/problems` apply the same rule, from here.
"""
from ..accounts.models import User

LEDGER_ROLES = ("leader", "organizer")

# What a list row shows to everyone (the columns of the 台账 page).
LIST_FIELDS = ("id", "post_id", "title", "reporter", "reporter_unit", "salon", "source",
               "state", "state_label", "overdue", "unit", "unit_id", "deadline",
               "cosign_count", "created_at")


def sees_full_ledger(user: User) -> bool:
    """Whether the user may have the ledger in bulk with every field."""
    return bool(user.is_authenticated and user.has_role(*LEDGER_ROLES))


def list_row(data: dict, user: User) -> dict:
    """A problem's JSON as a list row for this user: everything, or the list's columns."""
    if sees_full_ledger(user):
        return data
    return {name: data[name] for name in LIST_FIELDS if name in data}
