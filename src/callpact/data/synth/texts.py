"""What customers say, and the ways operators write it down (faithfully or not).

Each statement has an object (what the customer talks about) and a complaint. An operator's
note is either the customer's words, a paraphrase that keeps the object and the meaning, a
distortion of the kinds found in audits (generalising, softening, dropping the object, adding an
interpretation), or a placeholder that records nothing.
"""

from __future__ import annotations

import numpy as np

OBJECTS = (
    ("the form on your site", "the website form", "website"),
    ("the refill page in the app", "the app's refill page", "app"),
    ("the claims portal", "the online claims portal", "claims portal"),
    ("my ID card", "the member ID card", "ID card"),
    ("the prior authorization letter", "the letter about prior authorization", "letter"),
    ("the provider directory", "the directory of providers", "directory"),
    ("the pharmacy at Main Street", "the Main Street pharmacy", "pharmacy"),
    ("the bill for March", "the March bill", "bill"),
    ("the automated phone menu", "the phone menu", "phone system"),
    ("the password reset email", "the email to reset the password", "email"),
    ("the mail order delivery", "the delivery by mail order", "delivery"),
    ("the explanation of benefits", "the benefits statement", "statement"),
)
COMPLAINTS = (
    ("does not work", "is not working"),
    ("keeps timing out after two minutes", "times out after about two minutes"),
    ("shows the wrong address", "has an incorrect address"),
    ("was never sent to me", "never arrived"),
    ("charged me twice", "billed me two times"),
    ("rejects my date of birth", "won't accept my birth date"),
    ("says my plan ended in January", "claims my coverage stopped in January"),
    ("lists a doctor who retired", "still shows a retired doctor"),
    ("took three weeks", "needed three weeks"),
    ("is impossible to read on a phone", "can't be read on a mobile phone"),
)
OPENERS = ("", "I want you to know that ", "Honestly, ", "Please write this down: ", "Look, ")
CLOSERS = ("", " and I am really frustrated", " and nobody fixes it", " and I have called before")
GENERAL = (
    "customer unhappy with {short}",
    "customer complained about {short}",
    "general dissatisfaction with service",
    "customer had issues",
)
SOFT = (
    "customer had a small question about {short}",
    "customer mentioned {short} could be better",
    "minor feedback about {short}",
)
NO_OBJECT = ("customer says it {complaint}", "it {complaint} per customer", "says it {complaint}")
INTERPRET = (
    "customer probably entered wrong data in {short}",
    "customer is confused, {short} works fine",
    "customer seems upset in general, likely about price",
    "{object} {complaint}, customer was rude",
)
PLACEHOLDERS = ("n/a", "-", "no comment", "see call", "none")

#: share of feedback items by how the operator recorded them
FIDELITY_MIX = {"faithful": 0.62, "paraphrased": 0.12, "distorted": 0.20, "missing": 0.06}


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def feedback_texts(
    rng: np.random.Generator,
    count: int,
    untranscribed: float = 0.03,
    faithful: float = FIDELITY_MIX["faithful"],
) -> tuple[list[str], list[str | None], list[str]]:
    """``count`` (recorded_text, transcript_text, label) triples, labels as the judge's verdicts.

    ``faithful`` is the share of notes recorded verbatim; the other kinds keep their mutual
    proportions. Python-level on purpose: feedback is a few items per thousand contacts.
    """
    labels = list(FIDELITY_MIX)
    rest = 1 - FIDELITY_MIX["faithful"]
    weights = [
        faithful if label == "faithful" else share * (1 - faithful) / rest
        for label, share in FIDELITY_MIX.items()
    ]
    kinds = rng.choice(len(labels), size=count, p=weights)
    recorded: list[str] = []
    transcripts: list[str | None] = []
    truth: list[str] = []
    for kind in kinds.tolist():
        label = labels[kind]
        obj, obj_alt, short = OBJECTS[int(rng.integers(len(OBJECTS)))]
        complaint, complaint_alt = COMPLAINTS[int(rng.integers(len(COMPLAINTS)))]
        said = f"{_pick(rng, OPENERS)}{obj} {complaint}{_pick(rng, CLOSERS)}."
        said = said[0].upper() + said[1:]
        if label == "faithful":
            note = said if rng.random() < 0.8 else said.lower().rstrip(".")
        elif label == "paraphrased":
            note = f"{obj_alt} {complaint_alt}"
            note = note[0].upper() + note[1:]
        elif label == "distorted":
            style = int(rng.integers(4))
            template = _pick(rng, (GENERAL, SOFT, NO_OBJECT, INTERPRET)[style])
            note = template.format(short=short, complaint=complaint, object=obj)
        else:
            note = _pick(rng, PLACEHOLDERS)
        recorded.append(note)
        transcripts.append(None if rng.random() < untranscribed else said)
        truth.append(label)
    return recorded, transcripts, truth
