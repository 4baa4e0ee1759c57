"""The gates: the policy's rules turned into querysets (after NetBox's `restrict()`).

Each kind of object has a Gate that says, for one person, which rows each term of the policy
means (the person's relationship to the object, or a role they hold) and which rows each state
means. From those the gate builds, for any action:

- `restrict(user, action)`: only the rows the action is allowed on. Every view reaches an
  object through it, so what a person may not act on does not exist for them (404).
- `abilities(user, pk)`: every action on one object, answered by one query (templates read
  these as `can.accept`, `can.view_identity`...).
- `claim(user, pk, action)`: the row, locked for the service that changes it, or NotFound
  (not there, or not the person's to act on: the same answer) or WrongState (the person may
  do this, but not in the state the object is in now: someone else acted first).
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import models
from django.db.models import ExpressionWrapper, Q, Value

from core.errors import NotFound, WrongState

from . import policy
from .policy import Kind, Rule, Who

# Django drops an empty Q() from an OR, so "every row" must be a real condition.
ALWAYS = Q(pk__isnull=False)

GLOBAL_ROLES = {Who.STEERING, Who.ADMINISTRATOR, Who.PRIVACY_OFFICER, Who.SUPERUSER, Who.MEMBER}


class Gate:
    """How one kind of object reads the policy. Subclasses map terms and states to rows."""

    kind: Kind
    wrong_state: str | None = None  # the message; None: WrongState's own

    def scope(self, user) -> Q | None:
        """Rows a person can reach at all, whatever the action (the policy's SCOPES for the
        kind); None: none."""
        if not (getattr(user, "is_authenticated", False) and user.is_active):
            return None
        scope = ALWAYS
        for who in policy.SCOPES.get(self.kind, ()):
            condition = self.term(user, who)
            if condition is None:
                return None
            scope &= condition
        return scope

    def term(self, user, who) -> Q | None:
        """Rows where the person holds `who`; None: none. Global roles hold on every row."""
        if who in GLOBAL_ROLES:
            return ALWAYS if who in policy.roles_of(user) else None
        raise NotImplementedError(f"{type(self).__name__} does not know {who!r}")

    def state(self, state) -> Q:
        raise NotImplementedError(f"{type(self).__name__} does not know the state {state!r}")

    # ---- built from the above ----------------------------------------------------------------

    def _rule_q(self, user, rule: Rule, any_state: bool) -> Q | None:
        who = [q for q in (self.term(user, term) for term in sorted(rule.who)) if q is not None]
        if not who:
            return None
        condition = reduce(or_, who)
        if rule.states is not None and not any_state:
            condition &= reduce(or_, (self.state(state) for state in sorted(rule.states)))
        return condition

    def condition(self, user, action: str, *, any_state: bool = False) -> Q | None:
        """The rows `action` is allowed on, as a condition; None when there are none."""
        scope = self.scope(user)
        if scope is None:
            return None
        allowed = [
            q
            for q in (
                self._rule_q(user, rule, any_state) for rule in policy.rules(self.kind, action)
            )
            if q is not None
        ]
        if not allowed:
            return None
        condition = scope & reduce(or_, allowed)
        if action != "view" and "view" in policy.RULES[self.kind]:
            # Nobody acts on what they cannot see.
            view = self.condition(user, "view")
            if view is None:
                return None
            condition &= view
        return condition


def restrict(queryset, gate: Gate, user, action: str = "view", *, any_state: bool = False):
    """`any_state`: the rows the person could do `action` on in some state (a form page shown
    before the service decides whether the state still allows it)."""
    condition = gate.condition(user, action, any_state=any_state)
    return queryset.none() if condition is None else queryset.filter(condition)


def _flag(condition: Q | None):
    if condition is None:
        return Value(False, output_field=models.BooleanField())
    return ExpressionWrapper(condition, output_field=models.BooleanField())


def abilities(queryset, gate: Gate, user, pk, actions=None) -> dict[str, bool]:
    actions = tuple(actions or policy.actions(gate.kind))
    nothing = dict.fromkeys(actions, False)
    scope = gate.scope(user)
    if scope is None:
        return nothing
    columns = {action: _flag(gate.condition(user, action)) for action in actions}
    row = queryset.filter(scope, pk=pk).values(**columns).first()
    if row is None:
        return nothing
    # NULL (a comparison with an empty column) means "no", as it does in WHERE.
    return {action: bool(value) for action, value in row.items()}


def claim(queryset, gate: Gate, user, pk, action: str):
    """The row for a service to change, locked until its transaction ends."""
    reachable = gate.condition(user, action, any_state=True)
    if reachable is None:
        raise NotFound
    row = (
        queryset.filter(reachable, pk=pk)
        .select_for_update(of=("self",))
        .annotate(_allowed=_flag(gate.condition(user, action)))
        .first()
    )
    if row is None:
        raise NotFound
    if not row._allowed:
        raise WrongState(gate.wrong_state)
    return row


class RestrictedQuerySet(models.QuerySet):
    """A model's queryset with its gate: `Model.objects.restrict(user, action)`."""

    gate: Gate

    def restrict(self, user, action: str = "view", *, any_state: bool = False):
        return restrict(self, self.gate, user, action, any_state=any_state)

    def abilities(self, user, pk, actions=None) -> dict[str, bool]:
        return abilities(self, self.gate, user, pk, actions)

    def claim(self, user, pk, action: str):
        return claim(self, self.gate, user, pk, action)

    def find(self, user, action: str = "view", *, any_state: bool = False, can=False, **lookup):
        """One object the person may do `action` on, or NotFound: lookup and authorization
        in one (after healthchecks' `_get_check_for_user`). With `can` (True for every action
        of its kind, or a list), the object also carries `.can`, what the person may do with
        it, read in the same query."""
        queryset = self.restrict(user, action, any_state=any_state).filter(**lookup)
        names = (policy.actions(self.gate.kind) if can is True else tuple(can)) if can else ()
        if names:
            queryset = queryset.annotate(
                **{f"_can_{name}": _flag(self.gate.condition(user, name)) for name in names}
            )
        found = queryset.first()
        if found is None:
            raise NotFound
        if names:
            found.can = {name: bool(getattr(found, f"_can_{name}")) for name in names}
        return found
