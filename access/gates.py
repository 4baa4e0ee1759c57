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
    # True when holds() and state_of() answer every term and state of the kind's rules.
    answers_in_memory = False

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

    # ---- the same rules, read on one object already in memory (optional) ----------------------
    # A gate whose terms depend only on the person and on the object's own fields can answer
    # for a loaded object without a query: the capability flags of a page cost nothing. Gates
    # that need the database for a term (guardian's grants, a situation's visibility) leave
    # these returning None, and the flags are read in SQL instead. tests/test_policy.py
    # proves both ways give the same answers.

    def holds(self, user, obj, who) -> bool | None:
        """Does the person hold `who` on this object? None: only the database can tell."""
        if who in GLOBAL_ROLES:
            return who in policy.roles_of(user)
        return None

    def state_of(self, obj):
        """The object's state in the policy's words; None: only the database can tell."""
        return None

    def with_facts(self, queryset, user):
        """The queryset, reading along whatever holds() would otherwise ask the database for
        on each object (one query for the lot instead of one per object)."""
        return queryset

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


def _allows_in_memory(gate: Gate, user, obj, action: str) -> bool | None:
    """`action` on a loaded object by the rules alone; None when a term needs the database."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    state = gate.state_of(obj)
    if state is None:
        return None
    for who in policy.SCOPES.get(gate.kind, ()):
        held = gate.holds(user, obj, who)
        if held is None:
            return None
        if not held:
            return False
    allowed = False
    for rule in policy.rules(gate.kind, action):
        if rule.states is not None and state not in rule.states:
            continue
        held = [gate.holds(user, obj, who) for who in sorted(rule.who)]
        if any(h is None for h in held):
            return None
        if any(held):
            allowed = True
            break
    if allowed and action != "view" and "view" in policy.RULES[gate.kind]:
        return _allows_in_memory(gate, user, obj, "view")
    return allowed


def abilities_in_memory(gate: Gate, user, obj, actions) -> dict[str, bool] | None:
    """Every action for a loaded object, or None if any needs the database."""
    answers = {}
    for action in actions:
        answer = _allows_in_memory(gate, user, obj, action)
        if answer is None:
            return None
        answers[action] = answer
    return answers


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
    if gate.answers_in_memory:
        obj = queryset.filter(pk=pk).first()
        if obj is None or gate.scope(user) is None:
            return dict.fromkeys(actions, False)
        return abilities_in_memory(gate, user, obj, actions)
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
        names = (policy.actions(self.gate.kind) if can is True else tuple(can)) if can else ()
        in_memory = self.gate.answers_in_memory
        # With `can`, the rules are read on the row anyway, its facts included: reading the
        # action's own rule there too costs no query.
        if in_memory and names and not any_state:
            found = self._find_in_memory(user, action, names, lookup)
            if found is not None:
                return found
        queryset = self.restrict(user, action, any_state=any_state).filter(**lookup)
        if names and in_memory:
            queryset = self.gate.with_facts(queryset, user)
        if names and not in_memory:
            queryset = queryset.annotate(
                **{f"_can_{name}": _flag(self.gate.condition(user, name)) for name in names}
            )
        found = queryset.first()
        if found is None:
            raise NotFound
        if names and in_memory:
            found.can = abilities_in_memory(self.gate, user, found, names)
        elif names:
            found.can = {name: bool(getattr(found, f"_can_{name}")) for name in names}
        return found

    def _find_in_memory(self, user, action: str, names, lookup):
        """find() for a gate that answers in memory: the row by its lookup alone, then the
        rules read on it (equal to restrict(), tests/test_policy.py and
        tests/test_situation_permissions.py prove it). A situation's condition in SQL, its
        privacy scope with the grants' subqueries, cost more to build and compile than the
        page's query took to run. NotFound as restrict() would answer; None when only SQL
        can tell: the lookup matched several rows (restrict() might keep one of them), or a
        rule needs the database."""
        gate = self.gate
        if gate.scope(user) is None:
            raise NotFound
        rows = list(gate.with_facts(self.filter(**lookup), user)[:2])
        if len(rows) > 1:
            return None
        if not rows:
            raise NotFound
        found = rows[0]
        allowed = _allows_in_memory(gate, user, found, action)
        can = abilities_in_memory(gate, user, found, names) if allowed else {}
        if allowed is None or can is None:
            return None
        if not allowed:
            raise NotFound
        found.can = can
        return found
