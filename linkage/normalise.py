"""Identity, normalised so that the same person typed two ways reads the same.

Pure functions, no database: the benchmark and the key computation share them. Nothing here
is stored; only keyed hashes of what it returns are (keys.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import jellyfish

# Given names people go by, mapped to the name a record most often carries. Small on purpose
# (English and French Canadian forms seen in referrals); a name missing here still matches by
# its other keys when the date of birth agrees.
NICKNAMES = {
    # English
    "bill": "william",
    "billy": "william",
    "will": "william",
    "willy": "william",
    "liam": "william",
    "bob": "robert",
    "bobby": "robert",
    "rob": "robert",
    "robbie": "robert",
    "bert": "robert",
    "dick": "richard",
    "rick": "richard",
    "ricky": "richard",
    "rich": "richard",
    "jim": "james",
    "jimmy": "james",
    "jamie": "james",
    "mike": "michael",
    "mikey": "michael",
    "mick": "michael",
    "tom": "thomas",
    "tommy": "thomas",
    "joe": "joseph",
    "joey": "joseph",
    "jack": "john",
    "johnny": "john",
    "jon": "john",
    "dave": "david",
    "davey": "david",
    "dan": "daniel",
    "danny": "daniel",
    "chris": "christopher",
    "kit": "christopher",
    "matt": "matthew",
    "nick": "nicholas",
    "nicky": "nicholas",
    "tony": "anthony",
    "steve": "stephen",
    "steven": "stephen",
    "stevie": "stephen",
    "sam": "samuel",
    "sammy": "samuel",
    "ben": "benjamin",
    "benny": "benjamin",
    "alex": "alexander",
    "andy": "andrew",
    "drew": "andrew",
    "ed": "edward",
    "eddie": "edward",
    "ted": "edward",
    "teddy": "edward",
    "greg": "gregory",
    "jeff": "jeffrey",
    "jerry": "gerald",
    "larry": "lawrence",
    "pat": "patrick",
    "paddy": "patrick",
    "pete": "peter",
    "phil": "philip",
    "ron": "ronald",
    "ronnie": "ronald",
    "tim": "timothy",
    "timmy": "timothy",
    "ken": "kenneth",
    "kenny": "kenneth",
    "don": "donald",
    "donnie": "donald",
    "charlie": "charles",
    "chuck": "charles",
    "frank": "francis",
    "fred": "frederick",
    "freddie": "frederick",
    "harry": "henry",
    "hank": "henry",
    "josh": "joshua",
    "zach": "zachary",
    "nate": "nathan",
    "liz": "elizabeth",
    "lizzie": "elizabeth",
    "beth": "elizabeth",
    "betty": "elizabeth",
    "eliza": "elizabeth",
    "kate": "katherine",
    "katie": "katherine",
    "kathy": "katherine",
    "cathy": "katherine",
    "catherine": "katherine",
    "kathryn": "katherine",
    "jen": "jennifer",
    "jenny": "jennifer",
    "jess": "jessica",
    "jessie": "jessica",
    "sue": "susan",
    "susie": "susan",
    "maggie": "margaret",
    "meg": "margaret",
    "peggy": "margaret",
    "patty": "patricia",
    "trish": "patricia",
    "becky": "rebecca",
    "vicky": "victoria",
    "mandy": "amanda",
    "abby": "abigail",
    "debbie": "deborah",
    "deb": "deborah",
    "sandy": "sandra",
    "cindy": "cynthia",
    "annie": "anne",
    "ann": "anne",
    "nancy": "anne",
    "molly": "mary",
    "polly": "mary",
    "mandie": "amanda",
    "tina": "christina",
    "chrissy": "christina",
    "steph": "stephanie",
    "sam.": "samantha",
    "val": "valerie",
    "terry": "teresa",
    "tess": "teresa",
    # French (Quebec and Franco-Ontarian)
    "jo": "josee",
    "manon": "marie",
    "mimi": "michele",
    "nanou": "anne",
    "isa": "isabelle",
    "zabelle": "isabelle",
    "cath": "catherine",
    "gab": "gabriel",
    "gabi": "gabrielle",
    "max": "maxime",
    "seb": "sebastien",
    "fred.": "frederic",
    "flo": "florence",
    "lulu": "lucie",
    "mado": "madeleine",
    "mathi": "mathieu",
    "ti-jean": "jean",
    "pierrot": "pierre",
    "jeannot": "jean",
    "jojo": "joseph",
    "pepe": "joseph",
    "guigui": "guillaume",
    "gui": "guillaume",
    "francois": "francois",
    "fanfan": "francois",
    "frank.": "francois",
    "steph.": "stephane",
    "vivi": "virginie",
    "nico": "nicolas",
    "alex.": "alexandre",
    "ben.": "benoit",
    "jf": "jeanfrancois",
    "jp": "jeanpierre",
}
NICKNAMES = {k: v for k, v in NICKNAMES.items() if not k.endswith(".")}

# Words that belong to the surname that follows them ("de la Cruz", "Van Buren", "St-Pierre").
PARTICLES = {
    "de",
    "del",
    "della",
    "des",
    "du",
    "la",
    "le",
    "van",
    "von",
    "der",
    "den",
    "st",
    "ste",
    "saint",
    "sainte",
    "mac",
    "mc",
    "d",
    "l",
    "o",
    "da",
    "dos",
    "di",
}


def fold(text: str) -> str:
    """Lower case, accents dropped, anything but letters, digits, hyphens, commas and spaces
    made a space, spaces collapsed: "  Hélène  O'Brien-Côté " -> "helene o brien-cote"."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("æ", "ae").replace("œ", "oe").replace("ß", "ss").replace("ø", "o")
    text = re.sub(r"[^a-z0-9,\- ]+", " ", text)
    text = re.sub(r"\s*-\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip(" -,")


def canonical_given(token: str) -> str:
    token = token.replace("-", "")
    return NICKNAMES.get(token, token)


# French spellings that sound alike, reduced before the code is taken: Thibault/Thibeau,
# Gagné/Gagnier, Lévesque/Lévêque. Ordered: longer patterns first.
_FRENCH = [
    (r"eaux?$", "o"),
    (r"aux?$", "o"),
    (r"ault$|eault$|aut$", "o"),
    (r"ier$|iez$|ez$|er$|et$", "e"),
    (r"eau", "o"),
    (r"au", "o"),
    (r"ai|ei", "e"),
    (r"ou", "u"),
    (r"oi", "wa"),
    (r"qu|q|c(?=[aou])|ck", "k"),
    (r"c(?=[eiy])|ç|ss", "s"),
    (r"ph", "f"),
    (r"gn", "n"),
    (r"ch|sh", "s"),
    (r"th", "t"),
    (r"g(?=[eiy])", "j"),
    (r"gu(?=[eiy])", "g"),
    (r"h", ""),
    (r"y", "i"),
    (r"sq", "sk"),
    (r"[stdxzp]$", ""),
]


def french_code(token: str) -> str:
    """A phonetic code for French names: a few spelling rules, then vowels after the first
    letter dropped and doubled letters collapsed."""
    word = token.replace("-", "")
    for pattern, replacement in _FRENCH:
        word = re.sub(pattern, replacement, word)
    if not word:
        return ""
    head, tail = word[0], re.sub(r"[aeiou]", "", word[1:])
    return re.sub(r"(.)\1+", r"\1", head + tail)[:6]


def english_code(token: str) -> str:
    return jellyfish.metaphone(token.replace("-", ""))[:6]


def phonetic(token: str) -> set[str]:
    """Both codes, each marked with its language so they never cross."""
    codes = set()
    if english := english_code(token):
        codes.add("en:" + english)
    if french := french_code(token):
        codes.add("fr:" + french)
    return codes


@dataclass(frozen=True)
class Name:
    given: frozenset[str]  # canonical given-name variants
    surname: frozenset[str]  # the whole surname, and each of its parts


def parse_name(full_name: str) -> Name | None:
    """ "Given Middle Surname", "Surname, Given", hyphenated and compound surnames."""
    text = fold(full_name)
    if not text:
        return None
    if "," in text:
        surname_part, _, given_part = text.partition(",")
        tokens_given = given_part.replace(",", " ").split()
        tokens_surname = surname_part.split()
    else:
        tokens = text.replace(",", " ").split()
        if len(tokens) == 1:
            return None  # one word is not enough to tell anyone apart
        # The surname is the last word and any particles before it.
        start = len(tokens) - 1
        while start > 1 and tokens[start - 1] in PARTICLES:
            start -= 1
        tokens_given, tokens_surname = tokens[:start], tokens[start:]
    if not tokens_given or not tokens_surname:
        return None
    first = tokens_given[0]
    given = {canonical_given(first)}
    if "-" in first:  # Jean-Marc: also "jean", as people write it short
        given.add(canonical_given(first.split("-")[0]))
    joined = "".join(tokens_surname).replace("-", "")
    parts = [p for t in tokens_surname for p in t.split("-") if p and p not in PARTICLES]
    surname = {joined, *parts}
    if len(parts) > 1:  # "de la Cruz" is also filed under "cruz"; "Tremblay-Gagnon" under each
        surname.add("".join(parts))
    return Name(frozenset(given), frozenset(s for s in surname if len(s) > 1))


@dataclass(frozen=True)
class Born:
    """What is known of the date of birth: the date (day and month possibly swapped by
    whoever typed it), or only an estimate of the year."""

    exact: date | None = None
    years: frozenset[int] = field(default_factory=frozenset)

    @property
    def unordered(self) -> str:
        """Day and month without their order: 2001-03-07 and 2001-07-03 read the same."""
        if self.exact is None:
            return ""
        low, high = sorted((self.exact.month, self.exact.day))
        return f"{self.exact.year}:{low}:{high}"


def parse_born(date_of_birth: str, approximate_age: str, *, today: date) -> Born:
    text = (date_of_birth or "").strip()
    if text:
        match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", text)
        try:
            if match:
                year, month, day = map(int, match.groups())
                return Born(exact=date(year, month, day), years=frozenset({year}))
        except ValueError:
            pass
    try:
        age = int(str(approximate_age).strip())
    except ValueError:
        return Born()
    # "About 30": born in one of the years around today's year minus 30.
    centre = today.year - age
    return Born(years=frozenset(range(centre - 2, centre + 2)))


def place(text: str) -> str:
    """An address, normalised: unit words, street types and directions abbreviated."""
    text = fold(text).replace(",", " ").replace("-", " ")
    words = {
        "street": "st",
        "rue": "st",
        "avenue": "av",
        "ave": "av",
        "road": "rd",
        "chemin": "ch",
        "boulevard": "bd",
        "blvd": "bd",
        "drive": "dr",
        "court": "ct",
        "crescent": "cr",
        "cres": "cr",
        "place": "pl",
        "north": "n",
        "south": "s",
        "east": "e",
        "west": "w",
        "nord": "n",
        "sud": "s",
        "est": "e",
        "ouest": "w",
        "apartment": "",
        "apt": "",
        "unit": "",
        "suite": "",
        "app": "",
        "logement": "",
        "the": "",
        "of": "",
        "de": "",
        "du": "",
        "la": "",
        "le": "",
    }
    return " ".join(w for w in (words.get(t, t) for t in text.split()) if w)


def group_name(text: str) -> str:
    """A group's or a place's name, normalised: word order and little words do not matter."""
    tokens = [t for t in place(text).split() if len(t) > 1]
    return " ".join(sorted(tokens))
