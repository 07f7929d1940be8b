"""Build ``eval_set.jsonl``, callpact's labelled verbatim-fidelity evaluation set.

Run ``python src/callpact/verbatim/data/build_eval_set.py`` to rewrite the file; the output is
deterministic. Each base complaint below was written by hand: what the customer said, a
hand-written paraphrase that keeps every specific, a hand-written distortion, and the topic an
operator would generalise it to. Templated variants add the faithful forms (prefixes, case,
punctuation, fillers, typos) and the mechanical distortions (generic summaries, negation flips,
number and name changes, partial recording, added interpretation, softening).

Splits are by base complaint, so no held-out transcript was seen while tuning the judge.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

VERSION = 1

# (domain, transcript, paraphrase, topic, hand-written distortion, its pattern)
BASES: list[tuple[str, str, str, str, str, str]] = [
    (
        "tech",
        "The form on your site does not work.",
        "Your website's form is broken.",
        "the website",
        "Customer says the site is a bit slow.",
        "softening",
    ),
    (
        "pharmacy",
        "My prescription for metformin was not ready when I got to the pharmacy.",
        "Metformin prescription wasn't ready at the pharmacy when the customer arrived.",
        "the pharmacy",
        "Prescription was ready but customer arrived early.",
        "adding_interpretation",
    ),
    (
        "billing",
        "I was charged twice for the same visit, $45 each time.",
        "Billed two times for one visit, $45 on each charge.",
        "billing",
        "Customer was charged $45 for a visit.",
        "partial_recording",
    ),
    (
        "health_plan",
        "Dr. Patel's office says my plan won't cover the MRI.",
        "According to Dr. Patel's office, the MRI is not covered by the member's plan.",
        "coverage",
        "Doctor's office had a coverage question.",
        "dropping_object",
    ),
    (
        "tech",
        "The app crashes every time I try to upload my insurance card.",
        "Uploading the insurance card makes the app crash, every time.",
        "the app",
        "App crashed once during upload.",
        "softening",
    ),
    (
        "billing",
        "I've been waiting three weeks for my refund and nobody calls me back.",
        "Three weeks waiting on the refund, and nobody returns the customer's calls.",
        "the refund",
        "Waiting on refund, seems impatient.",
        "adding_interpretation",
    ),
    (
        "pharmacy",
        "You sent me the wrong dosage, 10 milligrams instead of 20.",
        "The dosage shipped was wrong: 10 mg when it should have been 20.",
        "the order",
        "Wrong dosage sent, 20 milligrams instead of 10.",
        "changing_numbers",
    ),
    (
        "health_plan",
        "This is the worst customer service I have ever dealt with, absolutely terrible.",
        "Customer called it the worst customer service ever, absolutely terrible.",
        "customer service",
        "Customer was not fully satisfied with the service.",
        "softening",
    ),
    (
        "tech",
        "I can't log in because the password reset email never arrives.",
        "The password reset email never comes, so I'm unable to log in.",
        "login",
        "Customer forgot their password.",
        "adding_interpretation",
    ),
    (
        "billing",
        "My bill went up by 30 dollars and no one told me why.",
        "Nobody explained why the bill rose by 30 dollars.",
        "the bill",
        "Bill went up.",
        "partial_recording",
    ),
    (
        "pharmacy",
        "The pharmacist at the Elm Street store was rude to my mother.",
        "The Elm Street pharmacist treated my mother rudely.",
        "staff",
        "The pharmacist at the Oak Street store was rude to my mother.",
        "changing_names",
    ),
    (
        "health_plan",
        "I never got my new ID card even though I signed up in January.",
        "Signed up in January but the new ID card has never arrived.",
        "the ID card",
        "Customer got the new ID card in January.",
        "negation_flip",
    ),
    (
        "tech",
        "The chat keeps disconnecting after two minutes.",
        "After two minutes, the chat keeps dropping the connection.",
        "the chat",
        "Chat disconnected after a few minutes.",
        "changing_numbers",
    ),
    (
        "billing",
        "I'm furious, you took money from my account without asking.",
        "Customer is furious that money was taken from the account without permission.",
        "a payment",
        "Customer queried a payment.",
        "generalizing",
    ),
    (
        "pharmacy",
        "The delivery driver left my insulin outside in the heat.",
        "My insulin was left outside in the heat by the delivery driver.",
        "delivery",
        "Delivery arrived.",
        "dropping_object",
    ),
    (
        "health_plan",
        "I was on hold for an hour and then the call dropped.",
        "After an hour on hold, the call was cut off.",
        "hold times",
        "Customer waited a little on hold.",
        "softening",
    ),
    (
        "tech",
        "Your website says my claim was paid but the hospital says it wasn't.",
        "The site shows the claim as paid, while the hospital says it was not paid.",
        "a claim",
        "Website says the claim was paid.",
        "partial_recording",
    ),
    (
        "billing",
        "I cancelled my membership in March and you still charged me in April.",
        "Charged in April even though the membership was cancelled in March.",
        "the membership",
        "Customer wants to cancel membership.",
        "adding_interpretation",
    ),
    (
        "pharmacy",
        "Nobody at the pharmacy could tell me when my order will be ready.",
        "No one at the pharmacy was able to say when the order will be ready.",
        "the pharmacy",
        "Pharmacy told customer when order will be ready.",
        "negation_flip",
    ),
    (
        "health_plan",
        "I want to file a formal complaint with the regulator about this denial.",
        "Customer intends to lodge a formal complaint about the denial with the regulator.",
        "a denial",
        "Customer disagrees with a decision.",
        "generalizing",
    ),
    (
        "tech",
        "The text message code takes ten minutes to arrive so it expires.",
        "The SMS code arrives after ten minutes, by which time it has expired.",
        "verification",
        "Code is slow.",
        "dropping_object",
    ),
    (
        "billing",
        "Your agent promised me a 50 percent discount and it is not on my bill.",
        "The 50 percent discount the agent promised is missing from the bill.",
        "a discount",
        "Agent promised a 15 percent discount and it is not on the bill.",
        "changing_numbers",
    ),
    (
        "pharmacy",
        "I have been trying to refill my inhaler for four days.",
        "For four days now I've been trying to get my inhaler refilled.",
        "a refill",
        "Trying to refill inhaler.",
        "partial_recording",
    ),
    (
        "health_plan",
        "The nurse line told me to go to the ER and now you refuse to pay.",
        "Told by the nurse line to go to the ER, and now the plan won't pay for it.",
        "a claim",
        "Customer went to the ER.",
        "dropping_object",
    ),
    (
        "tech",
        "Every time I click pay, the page goes blank.",
        "The page turns blank whenever I click pay.",
        "payments online",
        "Page went blank once.",
        "softening",
    ),
    (
        "billing",
        "Stop sending paper statements, I asked for email only twice already.",
        "I've already asked twice for email only, so stop the paper statements.",
        "statements",
        "Customer asked for paper statements.",
        "negation_flip",
    ),
    (
        "pharmacy",
        "Walgreens says you never sent the prescription over.",
        "According to Walgreens, the prescription was never transferred.",
        "a transfer",
        "CVS says the prescription was never sent.",
        "changing_names",
    ),
    (
        "health_plan",
        "My daughter's braces were approved and now the claim is denied.",
        "The braces for my daughter got approved, yet the claim has been denied.",
        "orthodontics",
        "Claim for braces was approved.",
        "partial_recording",
    ),
    (
        "tech",
        "I am locked out of my account after three attempts and it says call you.",
        "After three attempts the account locked me out and told me to call.",
        "the account",
        "Locked out after five attempts.",
        "changing_numbers",
    ),
    (
        "billing",
        "This is ridiculous, I've called five times about the same late fee.",
        "Ridiculous: five calls already about the same late fee.",
        "a late fee",
        "Customer called about a fee.",
        "generalizing",
    ),
    (
        "pharmacy",
        "The generic version makes me sick, I need the brand name.",
        "I need the brand name drug because the generic one makes me sick.",
        "medication",
        "Customer prefers brand name.",
        "softening",
    ),
    (
        "health_plan",
        "Nobody told me my deductible reset in January.",
        "I wasn't told that the deductible reset in January.",
        "the deductible",
        "Customer was told the deductible reset in January.",
        "negation_flip",
    ),
    (
        "tech",
        "The automated phone menu hangs up on me when I press 4.",
        "When I press 4 in the automated menu, it hangs up.",
        "the phone menu",
        "Phone menu is confusing for the customer.",
        "adding_interpretation",
    ),
    (
        "billing",
        "I paid on the 1st and you still sent me a past due notice.",
        "A past due notice came even though the payment was made on the 1st.",
        "a notice",
        "Customer received a notice.",
        "dropping_object",
    ),
    (
        "pharmacy",
        "My mail order has been stuck in processing for two weeks.",
        "The mail order has sat in processing for two weeks.",
        "mail order",
        "Mail order is processing.",
        "softening",
    ),
    (
        "health_plan",
        "I'm going to get a lawyer if this surgery claim isn't paid.",
        "Customer will get a lawyer unless the surgery claim is paid.",
        "a claim",
        "Customer asked about a surgery claim.",
        "generalizing",
    ),
    (
        "tech",
        "Your app logged me out and deleted my saved cards.",
        "The app signed me out and my saved cards were deleted.",
        "the app",
        "App logged customer out.",
        "partial_recording",
    ),
    (
        "billing",
        "The invoice lists a device I never ordered.",
        "A device I never ordered is on the invoice.",
        "the invoice",
        "Customer ordered a device.",
        "negation_flip",
    ),
    (
        "pharmacy",
        "The pharmacy closed at 6 even though your site says 9.",
        "Your site says 9 but the pharmacy closed at 6.",
        "opening hours",
        "The pharmacy closed at 9 even though the site says 6.",
        "changing_numbers",
    ),
    (
        "health_plan",
        "The doctor you listed as in network is not taking new patients.",
        "The in-network doctor you list isn't accepting new patients.",
        "the provider list",
        "Doctor listed in network.",
        "dropping_object",
    ),
    (
        "tech",
        "I have had no internet since Tuesday and your technician didn't show up.",
        "No internet since Tuesday, and the technician never came.",
        "the service",
        "No internet since Thursday and the technician didn't show.",
        "changing_names",
    ),
    (
        "billing",
        "You cut off my phone even though I set up a payment plan with Maria.",
        "My phone was disconnected despite the payment plan I arranged with Maria.",
        "disconnection",
        "Customer set up a payment plan.",
        "partial_recording",
    ),
    (
        "pharmacy",
        "I got somebody else's prescription in my bag.",
        "Someone else's prescription was in my bag.",
        "an order",
        "Customer received the wrong item, probably a mix-up at packing.",
        "adding_interpretation",
    ),
    (
        "health_plan",
        "The referral expired because your office took 45 days to approve it.",
        "Your office needed 45 days to approve the referral, so it expired.",
        "a referral",
        "Referral expired.",
        "dropping_object",
    ),
    (
        "tech",
        "The new update made the text so small I cannot read it.",
        "Since the new update the text is too small for me to read.",
        "the update",
        "Customer finds the new update a bit different.",
        "softening",
    ),
    (
        "billing",
        "I was promised a callback within 24 hours and it has been a week.",
        "A week has passed since I was promised a callback within 24 hours.",
        "a callback",
        "Was promised a callback within 48 hours.",
        "changing_numbers",
    ),
    (
        "pharmacy",
        "Your drive-through window has been closed for a month without any sign.",
        "The drive-through has been shut for a month, and there's no sign.",
        "the store",
        "Drive-through window is open.",
        "negation_flip",
    ),
    (
        "health_plan",
        "I keep getting letters addressed to my late husband, it's upsetting.",
        "Letters keep coming addressed to my late husband, which is upsetting.",
        "mail",
        "Customer gets letters.",
        "dropping_object",
    ),
    (
        "tech",
        "The router you sent me is the old model, not the one on my contract.",
        "I received the old router model instead of the one in my contract.",
        "equipment",
        "Customer had an equipment question.",
        "generalizing",
    ),
    (
        "billing",
        "You are charging me for insurance I declined at signup.",
        "I'm being charged for the insurance I declined when I signed up.",
        "insurance",
        "Customer signed up for insurance.",
        "partial_recording",
    ),
    (
        "pharmacy",
        "The refill reminder texts come at 3 in the morning.",
        "Refill reminder texts arrive at 3 a.m.",
        "reminders",
        "Refill reminder texts come in the morning.",
        "changing_numbers",
    ),
    (
        "health_plan",
        "Your website says the clinic on Main Street is covered but it is not.",
        "The clinic on Main Street isn't covered, although your website says it is.",
        "coverage",
        "Website says the clinic on Main Street is covered.",
        "negation_flip",
    ),
    (
        "tech",
        "I've reset the modem six times and the light is still red.",
        "The light stays red even after six modem resets.",
        "the modem",
        "Modem light is red.",
        "partial_recording",
    ),
    (
        "billing",
        "The autopay took my rent money and now my account is overdrawn.",
        "Autopay took the money for my rent, so my account is now overdrawn.",
        "autopay",
        "Autopay went through, customer seems to have budgeting trouble.",
        "adding_interpretation",
    ),
    (
        "pharmacy",
        "Your pharmacist in Springfield refused to give me my pain medication.",
        "The Springfield pharmacist would not hand over my pain medication.",
        "dispensing",
        "Customer upset with pharmacist.",
        "generalizing",
    ),
    (
        "health_plan",
        "I was billed for a telehealth visit that never happened.",
        "There's a bill for a telehealth visit that never took place.",
        "a bill",
        "Customer had a telehealth visit.",
        "negation_flip",
    ),
    (
        "tech",
        "The installer drilled through a water pipe in my kitchen.",
        "A water pipe in my kitchen was drilled through by your installer.",
        "installation",
        "Installer damaged something.",
        "dropping_object",
    ),
    (
        "billing",
        "Why is there a 12 dollar paper fee when I never asked for paper?",
        "I never asked for paper, so why am I paying a 12 dollar paper fee?",
        "fees",
        "Customer is asking about a fee.",
        "generalizing",
    ),
    (
        "pharmacy",
        "The label on my bottle has someone else's name on it.",
        "My bottle's label shows another person's name.",
        "labelling",
        "Bottle label is unclear.",
        "softening",
    ),
    (
        "health_plan",
        "My claim was denied as out of network but Dr. Gomez is on your list.",
        "Dr. Gomez is on your list, yet my claim got denied as out of network.",
        "a claim",
        "Claim denied as out of network, Dr. Lopez is on the list.",
        "changing_names",
    ),
    (
        "tech",
        "The agent hung up on me in the middle of my sentence.",
        "Your agent cut the call while I was still talking.",
        "an agent",
        "Call ended.",
        "dropping_object",
    ),
    (
        "billing",
        "I got a collections letter for a bill I paid in full in May.",
        "A collections letter came for a bill I already paid in full in May.",
        "collections",
        "Customer got a collections letter.",
        "partial_recording",
    ),
    (
        "pharmacy",
        "Honestly this pharmacy is a joke, I'm switching to another one.",
        "This pharmacy is a joke; I'm moving to a different one.",
        "the pharmacy",
        "Customer had feedback on the pharmacy.",
        "generalizing",
    ),
    (
        "health_plan",
        "The hearing aid benefit on your brochure is 1500 but you paid 500.",
        "Your brochure shows a 1500 hearing aid benefit, yet only 500 was paid.",
        "benefits",
        "Hearing aid benefit was paid.",
        "dropping_object",
    ),
    (
        "tech",
        "I ordered fiber and you installed copper.",
        "Fiber was ordered, but copper got installed.",
        "the installation",
        "Customer ordered copper and got copper installed.",
        "changing_names",
    ),
    (
        "billing",
        "The late fee was added even though your system was down on the due date.",
        "Your system was down on the due date and I still got the late fee.",
        "a late fee",
        "Customer paid late.",
        "adding_interpretation",
    ),
]

FILLERS = ["um, ", "uh, ", "you know, ", "so, um, ", "well, uh, ", "like, "]
PREFIXES = [
    "Customer said: ",
    "Cust stated: ",
    "CX: ",
    "Caller said that ",
    "Verbatim: ",
    "Member: ",
    "Customer says: ",
]
GENERIC_TEMPLATES = [
    "Customer unhappy with {topic}.",
    "Cx has an issue with {topic}.",
    "Complained about {topic}.",
    "Customer not happy with {topic}.",
    "Problem with {topic}.",
    "Customer dissatisfied with {topic}.",
    "General complaint re {topic}.",
    "Caller had a question about {topic}.",
    "Customer frustrated with {topic}.",
    "Issues regarding {topic}.",
]
INTERPRETATIONS = [
    ", customer seems confused",
    ", probably a misunderstanding",
    " - customer just wants a refund",
    ", likely user error",
    ", customer appears to be upset",
]
MISSING = [
    "",
    "n/a",
    "N/A",
    "-",
    "see call",
    "Customer called in.",
    "no comment",
    "See recording",
    "none",
    "...",
    "TBD",
    "customer feedback",
    "nothing to add",
    "x",
]
SOFTEN = {
    "furious": "a bit annoyed",
    "worst": "not the best",
    "terrible": "not great",
    "ridiculous": "not ideal",
    "absolutely": "",
    "every time": "sometimes",
    "a joke": "not great",
    "lawyer": "second opinion",
    "regulator": "manager",
    "keeps disconnecting": "disconnected once",
    "keep getting": "got",
}
NUMBER_WORDS = {
    "two": "three",
    "three": "four",
    "four": "five",
    "five": "six",
    "six": "seven",
    "ten": "fifteen",
    "twice": "three times",
    "an hour": "ten minutes",
}


def _split(group: str) -> str:
    bucket = int(hashlib.sha256(f"verbatim-eval:{group}".encode()).hexdigest(), 16) % 10
    return "dev" if bucket < 6 else "heldout"


def _typo(text: str, rng: random.Random) -> str | None:
    words = list(re.finditer(r"\b[a-z]{6,}\b", text))
    if not words:
        return None
    m = rng.choice(words)
    w = m.group(0)
    i = rng.randrange(1, len(w) - 2)
    swapped = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    return text[: m.start()] + swapped + text[m.end() :]


def _strip_punct(text: str) -> str:
    return re.sub(r"[^\w\s'$]", "", text).lower()


def _negation_flip(text: str) -> str | None:
    rules = [
        (r"\bdoes not\b", "does"),
        (r"\bdid not\b", "did"),
        (r"\bis not\b", "is"),
        (r"\bwasn't\b", "was"),
        (r"\bwon't\b", "will"),
        (r"\bcan't\b", "can"),
        (r"\bcannot\b", "can"),
        (r"\bdidn't\b", "did"),
        (r"\bisn't\b", "is"),
        (r"\bnever\b", "already"),
        (r"\bnot\b", ""),
        (r"\bNobody\b", "Somebody"),
        (r"\bnobody\b", "somebody"),
        (r"\bno one\b", "someone"),
    ]
    for pattern, repl in rules:
        if re.search(pattern, text):
            return re.sub(r"\s+", " ", re.sub(pattern, repl, text, count=1)).strip()
    return None


def _number_change(text: str) -> str | None:
    m = re.search(r"\d+", text)
    if m:
        n = int(m.group(0))
        return text[: m.start()] + str(n + (1 if n < 10 else 10)) + text[m.end() :]
    for word, repl in NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", text):
            return re.sub(rf"\b{word}\b", repl, text, count=1)
    return None


def _partial(text: str) -> str | None:
    parts = re.split(r",\s+|\s+and\s+|\s+but\s+|\s+because\s+|\s+even though\s+|\s+so\s+", text)
    if len(parts) < 2 or len(parts[0].split()) < 3:
        return None
    return parts[0].rstrip(".") + "."


def _soften(text: str) -> str | None:
    for word, repl in SOFTEN.items():
        if word in text:
            return re.sub(r"\s+", " ", text.replace(word, repl, 1))
    return None


def build() -> list[dict[str, str]]:
    rng = random.Random(20261125)
    rows: list[dict[str, str]] = []

    def add(  # noqa: PLR0917 - one positional per eval-set field reads best here
        group: str, domain: str, transcript: str, recorded: str, label: str, pattern: str
    ) -> None:
        rows.append(
            {
                "id": f"v{VERSION}-{len(rows) + 1:04d}",
                "group": group,
                "domain": domain,
                "split": _split(group),
                "transcript": transcript,
                "recorded": recorded,
                "label": label,
                "pattern": pattern,
            }
        )

    for i, (domain, said, paraphrase, topic, distortion, pattern) in enumerate(BASES):
        group = f"b{i + 1:03d}"
        # What the transcription gives: sometimes with the customer's spoken fillers.
        spoken = said
        if i % 3 == 0:
            spoken = FILLERS[i % len(FILLERS)].capitalize() + said[0].lower() + said[1:]
        # Faithful forms.
        add(
            group,
            domain,
            spoken,
            said,
            "faithful",
            "filler_removal" if spoken != said else "exact",
        )
        variant = i % 4
        if variant == 0:
            add(group, domain, spoken, PREFIXES[i % len(PREFIXES)] + said, "faithful", "prefix")
        elif variant == 1:
            add(group, domain, spoken, _strip_punct(said), "faithful", "case_punctuation")
        elif variant == 2:
            typo = _typo(said, rng)
            add(
                group,
                domain,
                spoken,
                typo or said.upper(),
                "faithful",
                "typo" if typo else "case_punctuation",
            )
        else:
            add(group, domain, spoken, f'"{said}"', "faithful", "quoted")
        # Paraphrase and the hand-written distortion.
        add(group, domain, spoken, paraphrase, "paraphrased", "paraphrase")
        add(group, domain, spoken, distortion, "distorted", pattern)
        # Mechanical distortions, two per base, rotating through the patterns that apply.
        candidates: list[tuple[str, str | None]] = [
            (
                "generalizing",
                GENERIC_TEMPLATES[i % len(GENERIC_TEMPLATES)]
                .format(topic=topic)
                .replace("with the ", "with ")
                .capitalize(),
            ),
            ("negation_flip", _negation_flip(said)),
            ("changing_numbers", _number_change(said)),
            ("partial_recording", _partial(said)),
            ("adding_interpretation", said.rstrip(".!?") + INTERPRETATIONS[i % 5] + "."),
            ("softening", _soften(said)),
        ]
        usable = [(p, r) for p, r in candidates if r and r != said and p != pattern]
        rng.shuffle(usable)
        for p, r in usable[:2]:
            assert r is not None
            add(group, domain, spoken, r, "distorted", p)
        # A missing note for every base.
        add(group, domain, spoken, MISSING[i % len(MISSING)], "missing", "missing")
    return rows


def main() -> None:
    out = Path(__file__).with_name("eval_set.jsonl")
    rows = build()
    with out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["label"]] = counts.get(row["label"], 0) + 1
    print(f"{out}: {len(rows)} pairs {counts}")


if __name__ == "__main__":
    main()
