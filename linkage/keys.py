"""Linkage keys: keyed hashes (HMAC-SHA256) of normalised identity, one per blocking rule.

A rule combines parts of the identity that, together, single a person out well enough to be
worth a look: phonetic given name and surname with the birth year; the surname with the date of
birth (day and month in either order); and so on. Two records "agree" on a rule when one of
their keys for it is equal. `docs/design.md` §9 says why this and not Bloom filters.

Each key is HMAC(LINKAGE_KEYS[i], rule | material): without the secret, a key cannot be
recomputed from a guessed name, so a copy of the table does not answer "was Jane Doe born
1990-03-07 presented?". The material itself is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from itertools import product

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .normalise import Born, Name, group_name, parse_born, parse_name, phonetic, place


class Rule(IntEnum):
    # People: each rule is a different way of being the same person with one thing mistyped.
    NAME_SOUND_YEAR = 1  # phonetic given + phonetic surname + birth year
    NAME_SOUND_BIRTHDAY = 2  # phonetic given + phonetic surname + date of birth, unordered
    SURNAME_BIRTHDAY = 3  # surname + date of birth (survives a misspelt given name)
    GIVEN_BIRTHDAY = 4  # given name + date of birth (survives a misspelt surname)
    GIVEN_SOUND_SURNAME_INITIAL_BIRTHDAY = 5
    GIVEN_INITIAL_SURNAME_SOUND_BIRTHDAY = 6
    NAME_YEAR = 7  # given + surname as spelt (after folding) + birth year
    # With only a year (an age instead of a birthday), one typo must still leave two rules.
    GIVEN_SOUND_SURNAME_INITIAL_YEAR = 8
    GIVEN_INITIAL_SURNAME_SOUND_YEAR = 9
    GIVEN_SURNAME_INITIAL_YEAR = 10
    GIVEN_INITIAL_SURNAME_YEAR = 11
    # Groups and places.
    GROUP_NAME = 20
    GROUP_SOUND = 21
    ADDRESS = 30


PERSON_RULES = frozenset(r for r in Rule if r < 20)
# Rules that say only "same name, same year": two different people share them more often
# than the others, so they are not enough alone when both records carry a full birthday.
YEAR_ONLY = frozenset(
    {
        Rule.NAME_SOUND_YEAR,
        Rule.NAME_YEAR,
        Rule.GIVEN_SOUND_SURNAME_INITIAL_YEAR,
        Rule.GIVEN_INITIAL_SURNAME_SOUND_YEAR,
        Rule.GIVEN_SURNAME_INITIAL_YEAR,
        Rule.GIVEN_INITIAL_SURNAME_YEAR,
    }
)


@dataclass(frozen=True)
class Material:
    rule: Rule
    text: str


def _sounds(values) -> set[str]:
    return {code for value in values for code in phonetic(value)}


def person_material(name: Name, born: Born) -> set[Material]:
    out: set[Material] = set()

    def add(rule, *parts):
        for combo in product(*parts):
            if all(combo):
                out.add(Material(rule, "|".join(str(p) for p in combo)))

    given, surname = sorted(name.given), sorted(name.surname)
    g_sound, s_sound = sorted(_sounds(given)), sorted(_sounds(surname))
    # A French code agrees only with a French code: pair them by language.
    sound_pairs = [
        f"{g}+{s}" for g in g_sound for s in s_sound if g.split(":")[0] == s.split(":")[0]
    ]
    years = sorted(born.years)
    add(Rule.NAME_SOUND_YEAR, sound_pairs, years)
    add(Rule.NAME_YEAR, given, surname, years)
    g_initial, s_initial = {g[0] for g in given}, {s[0] for s in surname}
    add(Rule.GIVEN_SOUND_SURNAME_INITIAL_YEAR, g_sound, s_initial, years)
    add(Rule.GIVEN_INITIAL_SURNAME_SOUND_YEAR, g_initial, s_sound, years)
    add(Rule.GIVEN_SURNAME_INITIAL_YEAR, given, s_initial, years)
    add(Rule.GIVEN_INITIAL_SURNAME_YEAR, g_initial, surname, years)
    if born.exact is not None:
        day = [born.unordered]
        add(Rule.NAME_SOUND_BIRTHDAY, sound_pairs, day)
        add(Rule.SURNAME_BIRTHDAY, surname, day)
        add(Rule.GIVEN_BIRTHDAY, given, day)
        add(Rule.GIVEN_SOUND_SURNAME_INITIAL_BIRTHDAY, g_sound, s_initial, day)
        add(Rule.GIVEN_INITIAL_SURNAME_SOUND_BIRTHDAY, g_initial, s_sound, day)
    return out


def group_material(name: str) -> set[Material]:
    normal = group_name(name)
    if not normal:
        return set()
    sound = " ".join(sorted(c for token in normal.split() for c in phonetic(token)))
    return {Material(Rule.GROUP_NAME, normal), Material(Rule.GROUP_SOUND, sound)}


def address_material(location: str) -> set[Material]:
    normal = place(location)
    # A bare street name or "downtown" would link every situation near it.
    if len(normal.split()) < 2 or not any(ch.isdigit() for ch in normal):
        return set()
    return {Material(Rule.ADDRESS, normal)}


@dataclass(frozen=True)
class Subject:
    """The cleartext a key is made from: held in memory while the keys are computed, never
    written anywhere."""

    full_name: str
    date_of_birth: str = ""
    approximate_age: str = ""
    location: str = ""


def material(subject: Subject, subject_type: str, *, today: date) -> tuple[set[Material], bool]:
    """The materials for a subject of this type, and whether its date of birth is exact."""
    if subject_type in ("person", "family"):
        name = parse_name(subject.full_name)
        born = parse_born(subject.date_of_birth, subject.approximate_age, today=today)
        if name is None:
            return set(), False
        return person_material(name, born), born.exact is not None
    found = group_material(subject.full_name)
    if subject_type == "location":
        found |= address_material(subject.location)
    return found, False


# ---- The secret ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    id: str
    value: bytes


def secrets_in_use() -> list[Secret]:
    """LINKAGE_KEYS, newest first: new keys are made with the first; matching tries each."""
    values = list(settings.LINKAGE_KEYS)
    if not values:
        raise ImproperlyConfigured("LINKAGE_KEYS is not set: repeat detection needs its secret.")
    out = []
    for value in values:
        raw = value.encode()
        # The id names the secret without revealing it (a hash of it under a fixed label).
        key_id = hmac.new(raw, b"focus linkage key id", hashlib.sha256).hexdigest()[:8]
        out.append(Secret(key_id, raw))
    return out


def digest(secret: Secret, item: Material) -> str:
    # 128 bits: collisions between different materials are out of reach at any table's
    # volume, and the index stays small.
    message = f"{int(item.rule)}|{item.text}".encode()
    return hmac.new(secret.value, message, hashlib.sha256).hexdigest()[:32]
