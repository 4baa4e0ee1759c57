# Canadian French, as the Office québécois de la langue française writes dates and times:
# "2 déc. 2026, 14 h 30", "jeudi 3 décembre 2026 à 9 h 05"; all-numeric dates in ISO order
# (2026-12-02), the order the OQLF and the Government of Canada recommend. Month abbreviations
# come from "N" (janv., févr., déc.), whose French forms carry their period; "M" would print
# Django's "Déc". Django's French formats fill in the rest (number separators, input formats).
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = r"j N Y, G \h i"
SHORT_DATETIME_FORMAT = r"Y-m-d G \h i"
TIME_FORMAT = r"G \h i"
SHORT_DATE_FORMAT = "Y-m-d"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"

# The named formats of core/templatetags/when.py.
DAY = "Y-m-d"
DAY_TIME = r"Y-m-d G \h i"
STAMP = "Y-m-d H:i:s"
MONTH = "Y-m"
WEEKDAY_TIME = r"D. j N, G \h i"
WEEKDAY_DATE_TIME = r"D. j N Y, G \h i"
LONG_DATE = "l j F Y"
LONG_DATE_TIME = r"l j F Y \à G \h i"
LONG_DAY_TIME = r"l j F \à G \h i"
FULL_DATE = "j F Y"
FULL_DATE_TIME = r"j F Y \à G \h i"
DAY_MONTH = "j F"
CLOCK = r"G \h i"
