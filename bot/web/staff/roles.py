"""What each staff role may do on the review pages, and the check in front of each action.

    reviewer     read, mark reviewed, notes, tags, close a "talk to a person" request
    coordinator  also verdict overrides and the CSV export
    admin        also the accounts page

Closing a contact request is a reviewer's: it records that someone called back, and changes
no verdict. A refused request gets 403 and an audit entry naming the action and the account,
so an administrator sees who tried what.
"""

from __future__ import annotations

from flask import abort, g, request

PERMISSIONS = {
    "reviewer": frozenset({"read", "review"}),
    "coordinator": frozenset({"read", "review", "override", "export"}),
    "admin": frozenset({"read", "review", "override", "export", "accounts"}),
}


def can(permission: str) -> bool:
    """Whether the signed-in account's role allows `permission` (templates use it too)."""
    staff = getattr(g, "staff", None)
    return staff is not None and permission in PERMISSIONS.get(staff.role, frozenset())


def require(permission: str) -> None:
    """Refuse the request with 403 (audited) unless the role allows `permission`."""
    if can(permission):
        return
    from bot.web.staff import present
    from bot.web.staff.auth import accounts, actor

    accounts().store.audit(actor(), "forbidden", None,
                           {"endpoint": request.endpoint, "needs": permission,
                            "role": g.staff.role})
    abort(403, present.words()["messages"]["forbidden"])
