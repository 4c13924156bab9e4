"""What in a story could identify someone: names, places, workplaces, addresses and contact details.

Not naming people is the site's main rule, so moderators are shown WHAT matched, not only a flag.
These are heuristics over capitalisation and a few cue words ("my ex John", "from Leeds",
"works at Acme Bank"), meant to point a tired moderator at the right words; they never decide alone.
"""

import re
from typing import NamedTuple


class IdentifyingMatch(NamedTuple):
    start: int
    end: int
    kind: str


KIND_LABELS = {
    "name": "a name",
    "place": "a place",
    "employer": "a workplace",
    "address": "an address",
    "phone": "a phone number",
    "email": "an email address",
    "handle": "a social media handle",
    "postcode": "a postcode",
    "profile": "a profile link",
}

# --- Contact details: found whatever the capitalisation --------------------------------------------

_CONTACT_PATTERNS = (
    ("email", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]*\w")),
    # Nine or more digits: a phone number, not a span of years like "2015-2019".
    ("phone", re.compile(r"(?<!\w)\+?\d(?:[\s().-]*\d){8,}")),
    ("handle", re.compile(r"(?<![\w@])@[A-Za-z0-9_.]*[A-Za-z0-9_]|(?<![\w/])u/[A-Za-z0-9_-]{3,}")),
    (
        "address",
        re.compile(
            r"\b\d{1,5}[a-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|court|ct"
            r"|boulevard|blvd|way|place|pl|terrace|close|crescent|grove|gardens|mews|row|hill)\b\.?",
            re.IGNORECASE,
        ),
    ),
    ("postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")),
    (
        "profile",
        re.compile(
            r"(?:https?://)?(?:www\.)?(?:facebook|fb|instagram|twitter|x|tiktok|linkedin|youtube|reddit|threads"
            r"|snapchat)\.com/[^\s<>\"']+",
            re.IGNORECASE,
        ),
    ),
)

# --- Names, places and workplaces: cue words followed by Capitalised Words ---------------------------

# A capitalised word as names are written: Mark, O'Brien, McDonald, Smith-Jones, Sainsbury's.
_WORD = r"(?:[A-Z][a-z]*['’][A-Z][a-z]+|[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)?(?:['’]s)?)"
_NAME = rf"{_WORD}(?:\s+{_WORD})?"
_PLACE = rf"{_WORD}(?:\s+(?:upon\s+|on\s+|under\s+)?{_WORD}){{0,2}}"
# Organisations are also written in capitals (HSBC, NHS) and with "&" (Marks & Spencer).
_ORG_WORD = r"(?:[A-Z][A-Za-z'’.-]*[A-Za-z]|[A-Z]{2,})"
_ORG = rf"(?:the\s+)?{_ORG_WORD}(?:\s+(?:&\s+|and\s+|of\s+)?{_ORG_WORD}){{0,3}}"

_RELATIONS = (
    r"(?:ex[- ]?)?(?:step[- ]?|half[- ]|grand|great[- ]grand)?"
    r"(?:husband|wife|partner|spouse|boyfriend|girlfriend|bf|gf|fianc[eé]e?|lover|mother|mum|mom|mam|mummy|mommy"
    r"|father|dad|daddy|parent|brother|sister|sibling|son|daughter|child|kid|twin|ma|pa|nan|nana|gran|granny"
    r"|grandma|grandad|granddad|grandpa|aunt|auntie|aunty|uncle|cousin|niece|nephew"
    r"|boss|manager|supervisor|colleague|co-?worker|friend|bestie|flatmate|roommate|housemate|neighbou?r"
    r"|landlord|landlady|therapist|counsell?or|psychiatrist|psychologist|doctor|gp|pastor|priest|vicar|imam|rabbi"
    r"|teacher|coach|tutor|abuser|narc|narcissist|stalker|ex)"
    r"(?:[- ]in[- ]law)?(?:s)?"
)
_POSSESSIVE = r"(?:my|her|his|our|their|your|the|a|an|this|that)"
_QUALIFIERS = (
    r"(?:best|old|former|new|current|late|own|real|birth|biological|abusive|narcissistic|twin|little|big|older"
    r"|younger|eldest|oldest|middle|baby|other)"
)
_JOBS = (
    r"(?:manager|boss|director|ceo|owner|partner|supervisor|teacher|headteacher|head|lecturer|professor|nurse|doctor"
    r"|gp|surgeon|consultant|dentist|vet|pharmacist|paramedic|officer|cop|detective|sergeant|solicitor|lawyer"
    r"|barrister|accountant|engineer|developer|pastor|vicar|priest|minister|councillor|receptionist|cashier"
    r"|assistant|employee|worker|volunteer|coach|trainer|chef|driver|banker|administrator|analyst|clerk)"
)


def _word_set(words):
    return frozenset(words.split())


# Words that are capitalised for another reason: sentence words, pronouns, family names used as names
# ("Mum said"), faith, calendar, and the site's own vocabulary (the articles' diagnoses and therapies).
_NOT_NAMES = _word_set(
    """
    I Im Ive Id He She They We You It His Her Him Them Me My Our Your Their This That These Those There Here
    The A An And But Or Nor So Then When While Who Whom Whose What Where Why How If Because Though Although
    After Before Since Until Now Still Just Even Also Yes No Not Never Always Sometimes Often Today Yesterday
    Tomorrow Tonight Everyone Everything Everybody Nobody Nothing Someone Somebody Anyone Anybody Something
    Please Thank Thanks Sorry Oh Ok Okay Well Anyway Again Later Once Maybe Instead Meanwhile Besides Worse
    Worst Sadly Luckily Finally Eventually Apparently Obviously Honestly Basically Actually Only Every Each
    All Any Some Many Most Much One Two Three First Last Next Other Another Both Either Neither Same
    Mum Mom Mam Mummy Mommy Dad Daddy Mother Father Nan Nana Gran Granny Grandma Grandad Grandpa Sis Bro
    Babe Baby Darling Honey Sweetheart Love Sir Madam Ma Pa
    God Gods Jesus Christ Lord Allah Heaven Hell Bible Church Christmas Easter Xmas Ramadan Eid Diwali
    Hanukkah Halloween Valentine Valentines Birthday New Year Years Day Days Week Weeks Month Months Time Times
    January February March April May June July August September October November December
    Monday Mondays Tuesday Tuesdays Wednesday Wednesdays Thursday Thursdays Friday Fridays Saturday
    Saturdays Sunday Sundays Morning Evening Night
    Narcissist Narcissists Narcissistic Narcissism Personality Disorder Disorders Ketamine Neuroplasticity
    Default Mode Network Brain Brains Cluster Therapy Therapies Therapist Therapists Treatment Recovery
    Empathy Ego Mirror Neurons Neuron Prefrontal Cortex Amygdala Glutamate Synaptogenesis Integration
    Compassion Focused Psychodynamic Psychology Psychiatry Trauma Abuse Victim Victims Survivor Survivors
    Healing Shame Vulnerability Society Research Science Study Safety Support Help Crisis Anxiety
    Depression Gaslighting Narc Narcs Covert Grandiose Part Group Love Life Hope Truth Peace Sobriety
    Google Internet Facebook Instagram Twitter Reddit TikTok YouTube Zoom WhatsApp
    Rewire English British
    """
)
_MINOR_WORDS = _word_set("a an the and or but nor of in on at to for by with from into onto over upon as vs than")
_ADVERB = re.compile(r"[A-Z][a-z]+ly")

_NAME_CUES = (
    # "my ex John Smith", "her husband Mark", "my mother, Linda,", "my ex (Dave)"
    rf"\b(?i:{_POSSESSIVE}\s+(?:{_QUALIFIERS}\s+)?{_RELATIONS})(?:\s*,\s*|\s*\(\s*|\s+)(?P<hit>{_NAME})",
    # "a man called Tom", "her name is Chloe", "he goes by Dazza"
    rf"\b(?i:named|called|name\s+is|name's|name\s+was|goes\s+by|known\s+as)\s+(?P<hit>{_NAME})",
    # "Dave, my ex," and "Mark (my husband)"
    rf"(?P<hit>{_NAME})(?:\s*,\s*|\s*\(\s*|\s+-\s+)(?i:my|her|his|our|their)\s+(?i:{_RELATIONS})\b",
    # "I married Richard", "she texted Sharon", "I left Darren"
    rf"\b(?i:married|marry|marrying|divorced|divorcing|dated|dating|texted|messaged|met|left|leaving|told|blocked"
    rf"|reported|with)\s+(?P<hit>{_NAME})",
    # Titles: "Dr Patel", "Mrs Hughes", "Officer Grant"
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Pastor|Reverend|Rev|Officer|Sergeant|Sgt|PC|DC|DS|Judge"
    rf"|Councillor|Cllr|Sister|Brother)\.?\s+(?P<hit>{_NAME})",
)
# A first name and a surname in the middle of a sentence ("if anyone knows Ben Carter"): tried last, so a
# more telling kind ("works at Acme Bank") wins the same words.
_FULL_NAME = rf"(?<![\w'’])[a-z]+,?\s+(?P<hit>{_WORD}\s+{_WORD})"
_PLACE_CUES = (
    rf"\b(?i:from|in|near|outside|around|lives\s+in|living\s+in|live\s+in|based\s+in|grew\s+up\s+in|born\s+in"
    rf"|moved\s+to|move\s+to|moving\s+to|relocated\s+to|back\s+to|went\s+to|lives\s+on|lived\s+on)\s+"
    rf"(?P<hit>{_PLACE})",
    # Named schools, hospitals, churches: "Oakfield Primary", "the Royal Infirmary", "St Mary's church"
    rf"(?P<hit>(?:{_WORD}\s+){{1,3}}(?:School|Primary|Academy|College|University|Hospital|Infirmary|Church"
    r"|Chapel|Mosque|Temple|Synagogue|Clinic|Surgery|Prison|Barracks|Station|Centre|Center|Estate|Park))\b",
    rf"\b(?P<hit>(?:St|Saint)\.?\s+{_WORD}(?:\s+(?i:church|school|primary|academy|hospital|college|parish))?)",
)
# Cues whose words need not look like names.
_OTHER_CUES = (
    # A street without a number ("on Church Street", "Station Road"): its first word may be any word.
    (
        "address",
        r"\b(?P<hit>(?!(?:The|A|An|This|That|No|One|Any|Every|Which|What|Same|Only|Other)\s)[A-Z][a-z]+(?:['’]s)?"
        r"\s+(?:Street|Road|Avenue|Lane|Drive|Close|Crescent|Terrace|Grove|Gardens|Mews|Square|Walk))\b",
    ),
    # A username written without the @ ("he goes by darren_p88"): it has a digit, "_" or "." inside.
    (
        "handle",
        r"\b(?i:goes\s+by|user\s?name\s+is|handle\s+is|known\s+as|calls\s+(?:him|her)self)\s+"
        r"(?P<hit>(?=[\w.]*[\d_.][\w.]*\w)[A-Za-z][\w.]*\w)",
    ),
)
_EMPLOYER_CUES = (
    rf"\b(?i:works?|worked|working|job|jobs|employed|employee|manages|managed|runs|ran|owns|owned|interned)\s+"
    rf"(?i:at|for|by|with|in)\s+(?P<hit>{_ORG})",
    rf"\b(?i:{_JOBS})s?\s+(?i:at|for|with)\s+(?P<hit>{_ORG})",
)

_CUE_PATTERNS = tuple(
    [("name", re.compile(p)) for p in _NAME_CUES]
    + [("place", re.compile(p)) for p in _PLACE_CUES]
    + [("employer", re.compile(p)) for p in _EMPLOYER_CUES]
    + [("name", re.compile(_FULL_NAME))]
)
_OTHER_PATTERNS = tuple((kind, re.compile(pattern)) for kind, pattern in _OTHER_CUES)


def _is_name_word(word):
    parts = re.sub(r"['’]s$", "", word).split("-")
    return not any(part in _NOT_NAMES for part in parts) and not _ADVERB.fullmatch(parts[0])


def _trim(text, start, end):
    """The span without leading "the " and without trailing words that are not names ("Mark And")."""
    words = list(re.finditer(r"\S+", text[start:end]))
    if words and words[0].group() == "the":
        words = words[1:]
    if not words or not _is_name_word(words[0].group().strip(".,")):
        return None
    while words and not _is_name_word(words[-1].group().strip(".,")):
        words.pop()
    return start + words[0].start(), start + words[-1].end()


def _title_case_spans(text):
    """Spans written in Title Case, where capitals say nothing about names: headings, titles and lead
    terms ("- Glutamate System Modulation: ..."). A line, or a part of it between colons and dashes,
    whose words are all capitalised except small ones ("in", "of"), with three long words at least."""
    spans = []
    for part in re.finditer(r"[^\n:—–]+", text):
        words = re.findall(r"[A-Za-z][A-Za-z'’-]*", part.group())
        long_words = [w for w in words if len(w) >= 4 and w.lower() not in _MINOR_WORDS]
        if len(long_words) >= 3 and all(w[0].isupper() or w.lower() in _MINOR_WORDS for w in words):
            spans.append(part.span())
    return spans


def identifying_matches(text):
    """[IdentifyingMatch(start, end, kind)] for everything in `text` that could identify someone, in
    order, without overlaps (the first kind found for a span wins)."""
    text = text or ""
    found = []
    for kind, pattern in _CONTACT_PATTERNS:
        found += [IdentifyingMatch(m.start(), m.end(), kind) for m in pattern.finditer(text)]
    for kind, pattern in _OTHER_PATTERNS:
        found += [IdentifyingMatch(*m.span("hit"), kind) for m in pattern.finditer(text)]
    headings = _title_case_spans(text)
    for kind, pattern in _CUE_PATTERNS:
        for m in pattern.finditer(text):
            span = _trim(text, *m.span("hit"))
            if span and not any(start <= span[0] < end for start, end in headings):
                found.append(IdentifyingMatch(*span, kind))
    chosen = []
    for match in sorted(found, key=lambda m: (m.start, -(m.end - m.start))):  # stable: earlier patterns win ties
        if chosen and match.start < chosen[-1].end:
            continue
        chosen.append(match)
    return chosen


def marked_parts(text, matches):
    """`text` as [(part, marked, label)] around `matches` (in order, without overlaps): for a page that marks the
    words with <mark> and says what each one may be, escaping every part."""
    parts, position = [], 0
    for match in matches:
        if match.start > position:
            parts.append((text[position : match.start], False, ""))
        parts.append((text[match.start : match.end], True, KIND_LABELS[match.kind]))
        position = match.end
    if position < len(text):
        parts.append((text[position:], False, ""))
    return parts
