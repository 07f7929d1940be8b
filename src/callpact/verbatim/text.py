"""Text normalisation and the specific-detail extractors the fidelity judge relies on.

Everything here is pure: strings in, strings/tuples out. The word lists are contact-center
English; they say what an operator's note may drop without changing what the customer said
(fillers, a "customer said:" prefix, case and punctuation) and what it may not (numbers, names,
negations, the object and the fault, the intensity of the complaint).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A note that starts "Customer said:" or "cx stated that" still quotes the customer.
_PREFIX = re.compile(
    r"^\s*(?:(?:the\s+)?(?:customer|cust|cx|caller|client|member|patient|pt|mbr|c)\s*"
    r"(?:said|says|stated|states|reported|reports|mentioned|mentions|told\s+(?:us|me)|"
    r"explained|verbatim|quote|comment)?\s*(?:that\s+)?[:\-–—]+|"
    r"(?:the\s+)?(?:customer|cust|cx|caller|client|member|patient|pt|mbr)\s+"
    r"(?:said|says|stated|states|reported|reports|mentioned|mentions|told\s+(?:us|me)|"
    r"explained)(?:\s+that)?\b|"
    r"(?:verbatim|quote|comment|feedback|vc)\s*[:\-–—]+)\s*",
    re.IGNORECASE,
)
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'", "\u00b4": "'"}
)
_CONTRACTIONS = {
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "shan't": "shall not",
    "ain't": "is not",
    "n't": " not",
    "i'm": "i am",
    "'re": " are",
    "'ve": " have",
    "'ll": " will",
    "'d": " would",
    "it's": "it is",
    "that's": "that is",
    "there's": "there is",
    "what's": "what is",
    "he's": "he is",
    "she's": "she is",
    "who's": "who is",
    "let's": "let us",
}
_CONTRACTION_RE = re.compile(
    "|".join(re.escape(k) for k in sorted(_CONTRACTIONS, key=len, reverse=True))
)
# Operators often drop the apostrophe: "doesnt" is "does not".
_BARE_NOT = re.compile(
    r"\b(do|does|did|is|was|are|were|has|have|had|would|could|should|ca|wo|must|need)nt\b"
)
_PREAMBLE = re.compile(
    r"^(?:hi|hello|hey|yes|yeah|yep|ok|okay|so|well|um+|uh+|erm|er|oh|look|listen|right)"
    r"(?:\s+(?:hi|hello|hey|yes|yeah|yep|ok|okay|so|well|um+|uh+|erm|er|oh|look|listen|right))*"
    r"\s+|^(?:i\s+am\s+|i\s+was\s+)?calling\s+(?:because|about|since|to\s+say(?:\s+that)?)\s+"
)
FILLERS = _words("um umm uh uhh uhm erm ah ahh hmm mm mhm basically literally honestly like")
_FILLER_PHRASES = re.compile(r"\b(?:you know|i mean|you see|kind of like|sort of like)\b")
# Operators' shorthand, spelled out so that "rx" meets "prescription".
ABBREVIATIONS = {
    "mg": "milligrams",
    "ml": "milliliters",
    "hr": "hour",
    "hrs": "hours",
    "min": "minutes",
    "mins": "minutes",
    "appt": "appointment",
    "rx": "prescription",
    "acct": "account",
    "pymt": "payment",
    "pmt": "payment",
    "msg": "message",
    "pw": "password",
    "pwd": "password",
    "txt": "text",
    "thru": "through",
    "dept": "department",
    "amt": "amount",
    "approx": "about",
    "bc": "because",
    "wk": "week",
    "wks": "weeks",
    "yr": "year",
    "yrs": "years",
    "sms": "text message",
    "dr": "doctor",
    "b4": "before",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "w": "with",
    "wo": "without",
    "info": "information",
    "tech": "technician",
}
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")

NEGATIONS = _words("not no never nothing none nobody nowhere neither nor without")
# Words that carry a negative meaning without a negation: "is broken" may paraphrase
# "does not work", so a lost "not" next to one of these is no polarity flip.
NEGATIVE_MEANING = _words(
    """
    broken broke fails failed failing failure unable refused refuses refusing denied denies
    declined declines rejected missing lost stuck impossible dead down error errors crashed
    crashes crashing wrong blank frozen freezes unreachable unavailable lacks lacking empty
    nowhere zero ignored ignores ignoring dropped drops hung useless unless instead rather
    except lack"""
)

STOPWORDS = _words(
    """
    a an the and or but if then so of to in on at by for with from into onto about as is are
    was were be been being am do does did doing have has had having i me my mine myself we us
    our ours you your yours he him his she her hers it its they them their theirs this that
    these those there here what which who whom whose when where why how can could would should
    will shall may might must just also too very really quite still even only again ever yet
    up down out over off any some all each both other such own same than s t d ll ve re m o
    get got gets getting go going gone went one's let please thank thanks sorry okay ok yes
    yeah hi hello hey oh well like want wanted say said tell told know now though although
    already"""
) - {"down", "again"}
# Words about the note rather than about what the customer said.
META_WORDS = _words(
    """
    customer cust cx caller client member patient pt mbr called calling call says stated
    states mentioned mentions reported reports feedback comment comments verbatim note notes
    advised explained"""
)
PLACEHOLDERS = frozenset(
    {
        "n/a",
        "na",
        "n.a.",
        "none",
        "nil",
        "null",
        "-",
        "--",
        ".",
        "...",
        "x",
        "tbd",
        "tba",
        "blank",
        "nothing",
        "no comment",
        "no comments",
        "see call",
        "see recording",
        "see notes",
        "see ticket",
        "refer to call",
        "not recorded",
        "no feedback",
        "nothing to add",
        "no verbatim",
        "same as above",
        "as above",
        "customer called",
        "customer called in",
        "cust called",
        "cx called",
        "caller called",
        "customer feedback",
        "call back",
        "no comment made",
        "nothing said",
    }
)

_SMALL_NUMBERS = {
    "zero": 0,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
    "twice": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "half": 0.5,
    "dozen": 12,
}

# Intensity the customer put in; a note that loses a whole group has softened the complaint.
INTENSITY_GROUPS: dict[str, frozenset[str]] = {
    "anger": _words("furious livid outraged angry enraged mad fuming irate disgusted fed sick"),
    "severity": _words(
        """
    terrible horrible awful worst disgusting atrocious appalling pathetic useless joke
        ridiculous unacceptable absurd outrageous incompetent rude insulting nightmare
        shameful disgrace scam fraud"""
    ),
    "frequency": _words(
        "always every whenever constantly repeatedly continually again keep keeps kept"
    ),
    "threat": _words(
        """
    lawyer attorney sue suing lawsuit court regulator ombudsman commissioner media
        press bbb cancel cancelling canceling cancellation switch switching leave leaving"""
    ),
    "degree": _words("completely totally absolutely entirely extremely utterly"),
}
SOFTENERS = _words("bit slightly somewhat minor little small mildly bitty tad fairly partly")
INTERPRETATION = re.compile(
    r"\b(?:seems?|seemed|appears?|appeared|apparently|probably|likely|possibly|maybe|perhaps|"
    r"sounds? like|i think|i believe|might|must have|obviously|clearly|confused|misunderstood|"
    r"wants? to|intends? to|is going to|implying|suggesting|assume[sd]?|presumably|"
    r"did not understand|does not understand|just wants|only wants|was told wrongly)\b"
)
GENERIC = re.compile(
    r"\b(?:(?:unhappy|dissatisfied|not happy|upset|frustrated|annoyed|displeased|not satisfied|"
    r"unsatisfied|concerned|disappointed)\s+(?:with|about|regarding|over|re)\b|"
    r"(?:issue|issues|problem|problems|trouble|troubles|difficulty|difficulties|concern|"
    r"concerns|complaint|complaints|query|queries|inquiry|enquiry|question|questions)\s+"
    r"(?:with|about|regarding|re|on|over|around)\b|"
    r"complain(?:ed|s|ing)?\s+(?:about|of|regarding|re|over)\b|"
    r"(?:general|generic|overall|service|billing|technical|tech)\s+"
    r"(?:complaint|dissatisfaction|issue|problem|feedback|query)\b|"
    r"(?:has|had|having|have)\s+(?:an?\s+|some\s+)?(?:issue|issues|problem|problems|"
    r"complaint|concern|concerns|question|trouble)\b|"
    r"(?:negative|bad|poor)\s+(?:experience|feedback|service)\b|"
    r"(?:asked|called|enquired|inquired|querying|chasing)\s+(?:about|regarding|re)\b|"
    r"not\s+(?:working\s+)?(?:properly|as expected)\b|"
    r"(?:was|is)\s+(?:unhappy|dissatisfied|upset|frustrated|annoyed|not happy)\b)"
)


@dataclass(frozen=True, slots=True)
class Analysed:
    """A text reduced to what the fidelity judge compares."""

    normalised: str
    tokens: tuple[str, ...]
    content: tuple[str, ...]  # words that carry meaning, without words about the note
    said: tuple[str, ...]  # the same, keeping "call", "says": in a transcript they are content
    numbers: tuple[str, ...]
    names: frozenset[str]
    negations: int
    negative_meaning: int
    number_context: frozenset[tuple[str, str]]
    intensity: frozenset[str]
    softeners: frozenset[str]
    generic: tuple[str, ...]
    interpretation: tuple[str, ...]


def strip_prefix(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _PREFIX.sub("", text, count=1)
    return text


def normalise(text: str) -> str:
    """Lower case, no punctuation, contractions spelled out, prefixes and fillers gone."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).strip().strip("\"'")
    text = strip_prefix(text).strip().strip("\"'").lower()
    text = _CONTRACTION_RE.sub(lambda m: _CONTRACTIONS[m.group(0)], text)
    text = _BARE_NOT.sub(
        lambda m: {"ca": "can", "wo": "will"}.get(m.group(1), m.group(1)) + " not", text
    )
    text = _FILLER_PHRASES.sub(" ", text)
    text = text.replace("w/o", " without ").replace("w/", " with ").replace("b/c", " because ")
    tokens = [ABBREVIATIONS.get(t, t).replace(",", "") for t in _TOKEN.findall(text)]
    joined = " ".join(t for t in tokens if t not in FILLERS)
    previous = None
    while previous != joined:
        previous = joined
        joined = _PREAMBLE.sub("", joined, count=1)
    return joined


def stem(word: str) -> str:
    """A crude suffix stripper: enough for "declined"/"declines"/"declining" to meet."""
    for suffix in ("ingly", "edly", "ing", "ies", "ied", "ed", "es", "ly", "s", "e"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _numbers(tokens: tuple[str, ...]) -> tuple[str, ...]:
    found: list[str] = []
    for tok in tokens:
        if tok[0].isdigit():
            digits = re.sub(r"(?<=\d)(?:st|nd|rd|th)$", "", tok)
            found.append(digits.rstrip(".0") if "." in digits else digits)
        elif tok in _SMALL_NUMBERS:
            value = _SMALL_NUMBERS[tok]
            found.append(str(value))
    return tuple(sorted(found))


_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-zA-Z]+)\b|\b([A-Z]{2,}[0-9]*|[A-Z]+[0-9]+\w*)\b")
_TITLES = re.compile(r"\b(Dr|Mr|Mrs|Ms|St|Mt|Jr|Sr)\.")
_NOT_NAMES = _words("i i'm i've i'll i'd ok okay hi hello yes no mr mrs ms dr")


def _names(raw: str) -> frozenset[str]:
    """Capitalised words not opening a sentence, acronyms and codes: the note must keep them."""
    text = strip_prefix(unicodedata.normalize("NFKC", raw).translate(_QUOTES).strip().strip('"'))
    out = set()
    text = _TITLES.sub(r"\1", text.strip().strip('"'))
    for match in _NAME.finditer(text):
        word = (match.group(1) or match.group(2)).lower()
        if word not in _NOT_NAMES and word not in STOPWORDS and word not in META_WORDS:
            out.add(word)
    return frozenset(out)


_TOO_TO = re.compile(r"\btoo \w+ (?:for \w+ )?to\b")


def _number_context(tokens: tuple[str, ...]) -> frozenset[tuple[str, str]]:
    """(nearest content word before or after, number): "closed at 6" gives (clos, 6)."""
    pairs: set[tuple[str, str]] = set()
    for i, tok in enumerate(tokens):
        value = _numbers((tok,))
        if not value:
            continue
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(tokens) and (tokens[j] in STOPWORDS or _numbers((tokens[j],))):
                j += step
            if 0 <= j < len(tokens):
                pairs.add((stem(tokens[j]), value[0]))
    return frozenset(pairs)


@lru_cache(maxsize=200_000)
def analyse(raw: str) -> Analysed:
    norm = normalise(raw)
    tokens = tuple(norm.split())
    said = tuple(t for t in tokens if t not in STOPWORDS and t not in NEGATIONS)
    content = tuple(t for t in said if t not in META_WORDS)
    stems = {stem(t) for t in tokens} | set(tokens)
    intensity = frozenset(g for g, stems_ in _INTENSITY_STEMS.items() if stems & stems_)
    return Analysed(
        normalised=norm,
        tokens=tokens,
        content=content,
        said=said,
        numbers=_numbers(tokens),
        names=_names(raw),
        negations=sum(t in NEGATIONS for t in tokens),
        negative_meaning=sum(t in NEGATIVE_MEANING or stem(t) in _NEGATIVE_STEMS for t in tokens)
        + len(_TOO_TO.findall(norm)),
        number_context=_number_context(tokens),
        intensity=intensity,
        softeners=frozenset(set(tokens) & SOFTENERS),
        generic=tuple(m.group(0) for m in GENERIC.finditer(norm)),
        interpretation=tuple(m.group(0) for m in INTERPRETATION.finditer(norm)),
    )


_NEGATIVE_STEMS = frozenset(stem(w) for w in NEGATIVE_MEANING)
_INTENSITY_STEMS = {
    g: frozenset(words) | frozenset(stem(w) for w in words) for g, words in INTENSITY_GROUPS.items()
}


def is_placeholder(raw: str | None) -> bool:
    """Empty, "n/a", "see call", "customer called": nothing the customer said was written."""
    if raw is None:
        return True
    norm = normalise(raw)
    if not norm:
        return True
    simple = " ".join(re.findall(r"[a-z/.\-]+", raw.lower()))
    if simple.strip() in PLACEHOLDERS or norm in PLACEHOLDERS:
        return True
    return not analyse(raw).content


def swapped_numbers(transcript: Analysed, recorded: Analysed) -> bool:
    """The same numbers, attached to different words: "closed at 9, site says 6"."""
    if transcript.numbers != recorded.numbers or len(set(transcript.numbers)) < 2:
        return False
    said: dict[str, set[str]] = {}
    for word, number in transcript.number_context:
        said.setdefault(word, set()).add(number)
    return any(
        word in said and number not in said[word] for word, number in recorded.number_context
    )


def number_changes(transcript: Analysed, recorded: Analysed) -> tuple[list[str], list[str]]:
    """Numbers the transcript has and the note lacks, and numbers the note invented."""
    said = Counter(transcript.numbers)
    wrote = Counter(recorded.numbers)
    return sorted((said - wrote).elements()), sorted((wrote - said).elements())
