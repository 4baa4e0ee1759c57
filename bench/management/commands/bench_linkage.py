"""How well, and how fast, repeat detection finds a returning person (`make bench-linkage`).

A synthetic population (Faker, en_CA and fr_CA names) of --people people presented
--presentations times over ten years at 150 tables, each presentation typed with the
corruptions real referrals carry (typos, nicknames, day and month swapped, no date of birth but
an age, half a hyphenated surname, accents dropped, capitals, "Surname, Given"). The truth is
known, so:

- **Quality**, in memory, with the product's own normalisation, keys and decision rule
  (linkage.keys, linkage.services.agrees): every presentation, in date order, is checked
  against every earlier one in the repeat window. Pairwise precision and recall (a pair is a
  presentation and an earlier one of the same person in the window), and per signal (did the
  signal fire when the person had been presented in the window), at each threshold.
- **Speed**, on PostgreSQL: the keys of every presentation are loaded (more than the window
  would keep: retention deletes keys a year after conclusion), then --checks new situations
  are checked by the real `linkage.services.matches` (decrypt the identity, compute its keys
  with every secret, look them up). Refuses any database whose name does not end in _bench.
"""

from __future__ import annotations

import io
import json
import random
import statistics
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency, Site
from linkage import keys, normalise
from linkage.models import LinkageKey
from linkage.services import agrees, matches
from situations.models import AffectedPerson, IdentifyingDetails, Situation, Status

RESULTS = Path(__file__).resolve().parents[2] / "linkage_results.json"
WINDOW = 365
YEARS = 10
TABLES = 150
TODAY = date(2026, 12, 1)
NICK_OF = defaultdict(list)
for _nick, _name in normalise.NICKNAMES.items():
    NICK_OF[_name].append(_nick)

# How often each corruption is applied to a presentation (independently).
CORRUPTIONS = {
    "typo_surname": 0.06,
    "typo_given": 0.06,
    "nickname": 0.10,
    "transposed_date": 0.05,
    "age_not_birthday": 0.08,
    "nothing_of_birth": 0.01,
    "half_hyphenated": 0.40,  # of hyphenated surnames
    "accents_dropped": 0.40,  # of names with accents
    "shouted": 0.10,
    "surname_first": 0.05,
}


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)  # people rarely get the first letter wrong
    kind = rng.choice(["swap", "drop", "double", "replace"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]


def population(rng: random.Random, people: int, presentations: int):
    from faker import Faker

    fakers = {"en": Faker("en_CA"), "fr": Faker("fr_CA")}
    for i, faker in enumerate(fakers.values()):
        faker.seed_instance(rng.randrange(1 << 30) + i)
    persons = []
    for pid in range(people):
        lang = "fr" if rng.random() < 0.4 else "en"
        faker = fakers[lang]
        woman = rng.random() < 0.5
        given = faker.first_name_female() if woman else faker.first_name_male()
        surname = faker.last_name()
        if rng.random() < 0.10:
            surname = f"{surname}-{faker.last_name()}"
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 72))
        persons.append({"id": pid, "given": given, "surname": surname, "born": born})
    # Everyone is presented once; the rest go to a minority who come back again and again
    # (a long tail, capped: nobody is presented every week for ten years).
    weights = [min(rng.paretovariate(1.5), 12.0) for _ in persons]
    owners = list(range(people)) + rng.choices(range(people), weights, k=presentations - people)
    start = TODAY - timedelta(days=365 * YEARS)
    home = {p["id"]: rng.randrange(TABLES) for p in persons}
    rows = []
    for owner in owners:
        person = persons[owner]
        site = home[owner] if rng.random() < 0.8 else rng.randrange(TABLES)
        on = start + timedelta(days=rng.randrange(365 * YEARS))
        rows.append((owner, site, on, typed(rng, person, on)))
    rows.sort(key=lambda r: r[2])
    return persons, rows


def typed(rng: random.Random, person: dict, on: date) -> keys.Subject:
    c = CORRUPTIONS
    given, surname, born = person["given"], person["surname"], person["born"]
    if rng.random() < c["nickname"] and NICK_OF.get(normalise.fold(given)):
        given = rng.choice(NICK_OF[normalise.fold(given)]).capitalize()
    if rng.random() < c["typo_given"]:
        given = _typo(rng, given)
    if "-" in surname and rng.random() < c["half_hyphenated"]:
        surname = rng.choice(surname.split("-"))
    if rng.random() < c["typo_surname"]:
        surname = _typo(rng, surname)
    name = f"{surname}, {given}" if rng.random() < c["surname_first"] else f"{given} {surname}"
    if rng.random() < c["accents_dropped"]:
        name = normalise.fold(name).title()
    if rng.random() < c["shouted"]:
        name = name.upper()
    date_of_birth, age = born.isoformat(), ""
    if rng.random() < c["transposed_date"] and born.day <= 12:
        date_of_birth = date(born.year, born.day, born.month).isoformat()
    roll = rng.random()
    if roll < c["nothing_of_birth"]:
        date_of_birth = ""
    elif roll < c["nothing_of_birth"] + c["age_not_birthday"]:
        date_of_birth = ""
        age = str(on.year - born.year - ((on.month, on.day) < (born.month, born.day)))
    return keys.Subject(name, date_of_birth, age)


def quality(rows, thresholds):
    """Every presentation against every earlier one in the window, by the product's rule."""
    prepared = []
    for owner, _site, on, subject in rows:
        found, exact = keys.material(subject, "person", today=on)
        prepared.append(
            (owner, on, {hash((int(m.rule), m.text)): int(m.rule) for m in found}, exact)
        )
    index: dict[int, list[int]] = defaultdict(list)
    last_seen: dict[int, list[date]] = defaultdict(list)
    results = {t: {"tp": 0, "fp": 0, "fired": 0, "fired_right": 0} for t in thresholds}
    true_pairs = should_fire = 0
    for i, (owner, on, digests, exact) in enumerate(prepared):
        since = on - timedelta(days=WINDOW)
        earlier_same = sum(1 for d in last_seen[owner] if d >= since)
        true_pairs += earlier_same
        should_fire += earlier_same > 0
        rules_by: dict[int, set[int]] = defaultdict(set)
        for digest, rule in digests.items():
            for j in index.get(digest, ()):
                if prepared[j][1] >= since:
                    rules_by[j].add(rule)
        for t in thresholds:
            settings.LINKAGE_THRESHOLD = t
            hits = [j for j, r in rules_by.items() if agrees(r, exact, prepared[j][3])]
            right = sum(1 for j in hits if prepared[j][0] == owner)
            results[t]["tp"] += right
            results[t]["fp"] += len(hits) - right
            results[t]["fired"] += bool(hits)
            results[t]["fired_right"] += bool(hits) and earlier_same > 0
        for digest in digests:
            index[digest].append(i)
        last_seen[owner].append(on)
    out = {}
    for t, r in results.items():
        out[t] = {
            "pair_precision": r["tp"] / max(1, r["tp"] + r["fp"]),
            "pair_recall": r["tp"] / max(1, true_pairs),
            "signal_precision": r["fired_right"] / max(1, r["fired"]),
            "signal_recall": r["fired_right"] / max(1, should_fire),
            "true_pairs": true_pairs,
            "signals_due": should_fire,
        }
    return out


def load(rows, stdout):
    """Every presentation as a concluded situation with its keys, bulk-loaded (COPY)."""
    agency = Agency.objects.create(name="Bench agency", short_name="BENCH", sector="police")
    sites = [
        Site.objects.create(name=f"Bench table {n:03d}", code=f"B{n:03d}"[:6].replace("0", "O"))
        for n in range(TABLES)
    ]
    secret = keys.secrets_in_use()[0]
    now = timezone.now()
    batch = 5000
    started = time.perf_counter()
    for offset in range(0, len(rows), batch):
        chunk = rows[offset : offset + batch]
        situations = Situation.objects.bulk_create(
            [
                Situation(
                    site=sites[site],
                    reference=f"BENCH-{offset + n:07d}",
                    status=Status.CONCLUDED,
                    subject_type="person",
                    originating_agency=agency,
                    narrative="",
                    submitted_at=now - (TODAY - on),
                    first_presented_on=on,
                    concluded_at=now - (TODAY - on) + timedelta(days=30),
                    concluded_on=on + timedelta(days=30),
                )
                for n, (_o, site, on, _s) in enumerate(chunk)
            ]
        )
        persons = AffectedPerson.objects.bulk_create(
            [AffectedPerson(situation=s, label="Person A") for s in situations]
        )
        buffer = io.StringIO()
        for (_o, _site, on, subject), situation, person in zip(
            chunk, situations, persons, strict=True
        ):
            found, exact = keys.material(subject, "person", today=on)
            expires = (situation.concluded_at + timedelta(days=WINDOW)).isoformat()
            for item in found:
                buffer.write(
                    f"{person.pk}\t{situation.pk}\t{secret.id}\t{int(item.rule)}\t"
                    f"{keys.digest(secret, item)}\t{'t' if exact else 'f'}\t{expires}\n"
                )
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                "COPY linkage_linkagekey (person_id, situation_id, key_id, rule, digest, "
                "born_exactly, expires_at) FROM STDIN",
                buffer,
            )
        stdout.write(f"  loaded {offset + len(chunk)} presentations")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE linkage_linkagekey; ANALYZE situations_situation")
    return agency, sites, time.perf_counter() - started


def speed(rng, persons, rows, agency, sites, checks):
    """New situations about people already presented (and some never seen), each checked by
    the product's own `matches` against everything loaded."""
    timings = []
    for n in range(checks):
        person = rng.choice(persons)
        subject = typed(rng, person, TODAY)
        with transaction.atomic():
            situation = Situation.objects.create(
                site=rng.choice(sites),
                reference=f"PROBE-{n:05d}",
                status=Status.SUBMITTED,
                subject_type="person",
                originating_agency=agency,
                narrative="",
                submitted_at=timezone.now(),
            )
            affected = AffectedPerson.objects.create(situation=situation, label="Person A")
            IdentifyingDetails.objects.create(
                person=affected,
                full_name=subject.full_name,
                date_of_birth=subject.date_of_birth,
                approximate_age=subject.approximate_age,
            )
            started = time.perf_counter()
            matches(situation, today=TODAY)
            timings.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    timings.sort()
    return {
        "checks": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "max_ms": round(timings[-1], 2),
    }


class Command(BaseCommand):
    help = "Precision, recall and speed of repeat detection on a synthetic population."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=20000)
        parser.add_argument("--presentations", type=int, default=100000)
        parser.add_argument("--checks", type=int, default=300)
        parser.add_argument("--seed", type=int, default=16)
        parser.add_argument("--thresholds", default="1,2,3")
        parser.add_argument("--no-speed", action="store_true", help="quality only, no database")
        parser.add_argument(
            "--speed-only",
            action="store_true",
            help="keep the quality figures already in the results file; measure speed only",
        )
        parser.add_argument(
            "--reuse", action="store_true", help="keys already loaded by an earlier run: keep them"
        )

    def handle(self, *args, **options):
        name = connection.settings_dict["NAME"]
        if not options["no_speed"] and not str(name).endswith("_bench"):
            raise CommandError(f"Refusing {name!r}: the benchmark's database ends in _bench.")
        rng = random.Random(options["seed"])  # nosec B311: a reproducible synthetic population, no secret
        thresholds = [int(t) for t in options["thresholds"].split(",")]
        chosen = settings.LINKAGE_THRESHOLD
        started = time.perf_counter()
        persons, rows = population(rng, options["people"], options["presentations"])
        self.stdout.write(f"population: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        if options["speed_only"]:
            previous = json.loads(RESULTS.read_text())["quality"]
            found = {int(t): r for t, r in previous.items()}
        else:
            found = quality(rows, thresholds)
        settings.LINKAGE_THRESHOLD = chosen
        self.stdout.write(f"quality: {time.perf_counter() - started:.1f} s")
        for t, r in found.items():
            mark = " (chosen)" if t == chosen else ""
            self.stdout.write(
                f"threshold {t}{mark}: pairs precision {r['pair_precision']:.4f} recall "
                f"{r['pair_recall']:.4f}; signal precision {r['signal_precision']:.4f} recall "
                f"{r['signal_recall']:.4f} ({r['true_pairs']} true pairs, "
                f"{r['signals_due']} signals due)"
            )
        result = {
            "when": timezone.now().isoformat(timespec="seconds"),
            "machine": "2 cores, shared",
            "people": options["people"],
            "presentations": options["presentations"],
            "window_days": WINDOW,
            "corruptions": CORRUPTIONS,
            "threshold": chosen,
            "quality": {str(t): {k: round(v, 4) for k, v in r.items()} for t, r in found.items()},
            "targets": {"recall": 0.95, "precision": 0.98, "check_ms": 50},
        }
        if not options["no_speed"]:
            if options["reuse"] and LinkageKey.objects.exists():
                agency, seconds = Agency.objects.get(short_name="BENCH"), None
                sites = list(Site.objects.filter(name__startswith="Bench table"))
            else:
                agency, sites, seconds = load(rows, self.stdout)
            result["keys_loaded"] = LinkageKey.objects.count()
            result["load_s"] = round(seconds, 1) if seconds else None
            result["speed"] = speed(rng, persons, rows, agency, sites, options["checks"])
            self.stdout.write(
                f"one check against {result['keys_loaded']} keys: p50 "
                f"{result['speed']['p50_ms']} ms, p95 {result['speed']['p95_ms']} ms"
            )
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
        self.stdout.write(f"written to {RESULTS}")
