"""Signs of suicide or self-harm in a story, so that help comes first.

A story that matches gets a support note and goes to the top of the moderation queue; moderators are
shown WHAT matched and which kind of warning sign it is (the families of the Columbia scale). The
detector never decides alone: a moderator reads every story, and a flag only brings help first. A false
alarm costs a moderator a gentle look; a miss can cost far more, so doubtful cases lean towards a flag.

Stdlib only, so it can be imported (and tested) without Django.
"""

import bisect
import re
import unicodedata
from typing import NamedTuple


class SelfHarmMatch(NamedTuple):
    start: int
    end: int
    family: str


FAMILY_LABELS = {
    "wish": "a wish to be dead",
    "thoughts": "thoughts of suicide",
    "method": "a method",
    "intent": "intent or timing",
    "preparation": "a plan or preparations",
    "attempt": "a past attempt",
    "self_injury": "self-injury",
    "slang": "slang for suicide",
    "other_person": "someone else's suicide or threats",
}

# When two matches overlap, the more urgent family names the whole span.
_PRIORITY = {
    family: rank
    for rank, family in enumerate(
        ("intent", "preparation", "attempt", "method", "self_injury", "thoughts", "wish", "slang", "other_person")
    )
}


# --- Normalising, with a map back to the original characters ------------------------------------------

# Default-ignorable code points that are not all in category Cf (soft hyphen is, variation selectors are not).
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2032": "'", "`": "'", "\u201c": '"', "\u201d": '"'}
_HYPHENS = {"\u2010": "-", "\u2011": "-"}
# Digits and symbols that stand in for letters inside a word ("k1ll", "mys3lf", "$uicidal", "d!e").
_LEET = {"1": "i", "3": "e", "0": "o", "4": "a", "@": "a", "$": "s", "5": "s", "7": "t", "!": "i", "|": "i"}
# Key words that people split with one space, or mask with "*" ("sui cide", "un alive", "s*icide").
_KEY_WORDS = (
    "suicide",
    "suicidal",
    "unalive",
    "unaliving",
    "overdose",
    "overdosed",
    "overdosing",
    "sewerslide",
)
_MASKABLE = _KEY_WORDS + ("kill", "killed", "killing", "myself", "die", "dead", "dying", "cutting", "harm")


def _ignorable(ch):
    code = ord(ch)
    if unicodedata.category(ch) == "Cf":
        return True
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


class _Text:
    """The normalised text as a list of characters, each with the span of ORIGINAL text it came from."""

    def __init__(self, original):
        if original.isascii():  # the common case, without a Unicode look-up per character
            self.chars = list(original.lower().replace("`", "'"))
            self.spans = [[i, i + 1] for i in range(len(original))]
            return
        self.chars = []
        self.spans = []
        pending = None  # start of invisible characters seen before any visible one
        for i, ch in enumerate(original):
            if _ignorable(ch):
                if self.spans:
                    self.spans[-1][1] = i + 1
                elif pending is None:
                    pending = i
                continue
            folded = unicodedata.normalize("NFKC", ch).casefold()
            # Accents and combining marks (also strike-through and "zalgo" marks) carry no meaning here.
            kept = "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))
            kept = "".join(_QUOTES.get(c, _HYPHENS.get(c, c)) for c in kept)
            if not kept:
                if self.spans:
                    self.spans[-1][1] = i + 1
                elif pending is None:
                    pending = i
                continue
            for c in kept:
                self.chars.append(c)
                self.spans.append([i if pending is None else pending, i + 1])
                pending = None

    def __str__(self):
        return "".join(self.chars)

    def delete(self, indexes):
        """Removes characters (spaces that split a word), giving their original span to the one before."""
        for k in sorted(indexes, reverse=True):
            if k > 0:
                self.spans[k - 1][1] = max(self.spans[k - 1][1], self.spans[k][1])
            elif k + 1 < len(self.spans):
                self.spans[k + 1][0] = min(self.spans[k + 1][0], self.spans[k][0])
            del self.chars[k], self.spans[k]

    def original_span(self, start, end):
        return self.spans[start][0], self.spans[end - 1][1]


_WHITESPACE_RUN = re.compile(r"\s{2,}|[^\S ]")
# Single characters separated by single spaces ("s u i c i d e", "k 1 l l") or by dots and dashes
# ("s.u.i.c.i.d.e"): three or more for spaces, four or more for punctuation (so "e.g." stays).
_SPACED_LETTERS = re.compile(r"(?<!\S)(?:[a-z0-9$@!*|] ){2,}[a-z0-9$@!*|](?![^\s.,!?;:'\")\]])")
_DOTTED_LETTERS = re.compile(r"(?<![\w.-])(?:[a-z][._-]){3,}[a-z](?![\w-])")
_TOKEN = re.compile(r"[a-z0-9$@!|*]+")
_SPLIT_KEY_WORDS = re.compile(
    "|".join(
        rf"\b{re.escape(word[:i])} {re.escape(word[i:])}\b" for word in _KEY_WORDS for i in range(2, len(word) - 1)
    )
)


def _normalise(original):
    text = _Text(original)
    # Whitespace: one space, or one newline where the run held one (newlines end sentences).
    current = str(text)
    drop = []
    for m in _WHITESPACE_RUN.finditer(current):
        run = m.group()
        text.chars[m.start()] = "\n" if "\n" in run else " "
        drop.extend(range(m.start() + 1, m.end()))
    text.delete(drop)

    current = str(text)
    drop = []
    for m in _SPACED_LETTERS.finditer(current):
        if sum(c.isalpha() for c in m.group()) >= 2:
            drop.extend(m.start() + i for i, c in enumerate(m.group()) if c == " ")
    for m in _DOTTED_LETTERS.finditer(current):
        drop.extend(m.start() + i for i, c in enumerate(m.group()) if c in "._-")
    text.delete(drop)

    _unmask(text)

    for _ in range(3):  # one pass finds them all, unless two split words touch
        found = [m.start() + m.group().index(" ") for m in _SPLIT_KEY_WORDS.finditer(str(text))]
        if not found:
            break
        text.delete(found)
    return text


def _unmask(text):
    """Digit and symbol swaps inside words ("k1ll" -> "kill"), and "*" masking a letter of a key word."""
    current = str(text)
    for m in _TOKEN.finditer(current):
        token = m.group()
        if token.isalpha():
            continue
        letters = [c.isalpha() for c in token]
        if sum(letters) < 2:
            continue
        for i, c in enumerate(token):
            if c not in _LEET:
                continue
            inside = any(letters[:i]) and any(letters[i + 1 :])
            # At the start of a word only for the characters used that way ("$uicidal", "5elf"), and only
            # before a real word, so "3am" and "10mg" stay as they are.
            leading = i == 0 and c not in "!|" and sum(letters[1:]) >= 3 and all(letters[1:4])
            if inside or leading:
                text.chars[m.start() + i] = _LEET[c]
        token = "".join(text.chars[m.start() : m.end()])
        if "*" in token:
            masked = re.compile(token.replace("*", "[a-z]"))
            found = [word for word in _MASKABLE if len(word) == len(token) and masked.fullmatch(word)]
            if len(found) == 1:
                for i, c in enumerate(found[0]):
                    text.chars[m.start() + i] = c


# --- The patterns, family by family --------------------------------------------------------------------

_MACROS = {
    "<DRUG>": (
        r"(?:pills?|tablets?|meds|medications?|medicines?|painkillers?|paracetamol|co-?codamol|codeine|ibuprofen"
        r"|aspirin|insulin|antidepressants?|sleepers|sleeping\s(?:pills?|tablets?)|diazepam|valium|tramadol"
        r"|morphine|oxycodone|opioids?|prescriptions?|sertraline|citalopram|fluoxetine|mirtazapine|amitriptyline"
        r"|lithium|quetiapine|zopiclone|propranolol|venlafaxine|xanax|benzos?|capsules?)"
    ),
    # "myself", never "my self-esteem".
    "<MYSELF>": r"my\s?self\b(?![\s-]?(?:esteem|worth|confiden|respect|image|care|doubt|belief))",
    "<ANYSELF>": r"(?:my\s?|him|her|them)sel(?:f|ves)\b(?![\s-]?(?:esteem|worth|confiden|respect|image|care|doubt))",
    "<POSS>": r"(?:my|his|her|their)",
    "<W>": r"[\w'-]+\s",
    "<NOT>": r"(?:don'?t|dont|do\snot|didn'?t|did\snot|no\slonger|never|idw)",
    # A way of dying, as the object of "thinking about ...".
    "<METHOD_ING>": (
        r"(?:jumping\b(?!\s(?:ship|at|back|on|in\b|into\s(?:a|the|my)\s(?:new|pool|career|job)|through|to\b))"
        r"|stepping\s(?:out\s)?in\sfront|walking\s(?:into\sthe|in\sfront|out\sin\sfront)|driving\s(?:into|off)"
        r"|crashing\s(?:my|the|into)|swallowing|overdosing|hanging\s<MYSELF>|drowning\s<MYSELF>|slitting"
        r"|taking\s(?:all|every|the\swhole|everything|a\swhole)|throwing\s<MYSELF>|turning\sthe\swheel"
        r"|gassing\s<MYSELF>|poisoning\s<MYSELF>|shooting\s<MYSELF>)"
    ),
    "<PLACE>": (
        r"(?:bridge|balcony|roof|rooftop|building|cliff|tower|train|car\spark|multi-?storey|window|ledge|motorway"
        r"|overpass|platform|tracks|railing|top\sfloor|flyover|block\sof\sflats|viaduct|quarry)"
    ),
    "<VEHICLE>": r"(?:train|bus|lorry|truck|car|traffic|tube|van|tracks|tram)",
    "<BODY>": r"(?:arms?|legs?|thighs?|wrists?|skin|stomach|body|hips?|forearms?|face|hands?|chest)",
    # The writer no longer here: "if I was gone", "if I disappeared", "if I'd never existed" (not "disappeared for a
    # week", "was gone from the house").
    "<GONE>": (
        r"(?:(?:was|were)\s(?:gone|dead|out\sof\s(?:the\spicture|everyone'?s\slives))|(?:wasn'?t|weren'?t|was\snot"
        r"|were\snot)\s(?:here|around|alive|in\s(?:it|the\spicture|their\slives))(?!\s(?:for|on|at|to|when|because"
        r"|tonight|today|tomorrow|this|next)\b)|died|disappeared|vanished|stopped\sexisting|ceased\sto\sexist"
        r"|didn'?t\s(?:exist|wake\sup)|never\swoke\sup|(?:had|'?d)\snever\s(?:existed|been\sborn)|never\sexisted"
        r"|(?:was|were)\snever\sborn|wasn'?t\sborn"
        r"|just\s(?:went|disappeared|vanished|stopped|wasn'?t\shere))"
        r"(?!\s(?:for\s(?:a|the|an|some|\d)|to\s|from\s|into\s|off\s|on\s(?:holiday|them|him|her)|abroad|until|till|at\s))"
    ),
}


def _compile(pattern):
    for _ in range(2):  # macros may use macros
        for key, value in _MACROS.items():
            pattern = pattern.replace(key, value)
    return re.compile(pattern)


class _Rule(NamedTuple):
    family: str
    pattern: re.Pattern
    before: re.Pattern | None  # a match is dropped when this is found in its sentence before it ...
    after: re.Pattern | None  # ... or this matches the sentence straight after it ...
    sentence: re.Pattern | None  # ... or this is found anywhere in its sentence
    others: str  # said of someone else (he, she, my dad): "other" (other_person) or "drop"


def _rule(family, pattern, before=None, after=None, sentence=None, others="other"):
    return _Rule(
        family,
        _compile(pattern),
        _compile(before) if before else None,
        _compile(after) if after else None,
        _compile(sentence) if sentence else None,
        others,
    )


# Trivial things people would "rather die than" do: hyperbole, not a wish to be dead.
_TRIVIAL = (
    r"^\sthan\s(?:<W>){0,4}?(?:karaoke|sing\w*|danc\w*|part(?:y|ies)|wear\w*|eat\w*|watch\w*|gym|meeting"
    r"|presentation|small\stalk|queue\w*|shopping|ikea|spreadsheet|exercise|jog\w*|maths?|camping|run\w*)\b"
)
# Cutting that is not self-injury: cutting ties, corners, sugar, my hair, someone off...
_CUT_FIGURATIVE = (
    r"^\s(?:myself\s(?:down|off|out|short|some|a\sbreak|free|loose|slack)|him|her|them|me|you|us|it|in(?=\s*(?:[.,!?;]|$)|\s(?:line|front|on\b|half|two|traffic|the\squeue))|down|back|out|off|corners|ties|contact|sugar|carbs|class(?:es)?|school"
    r"|hair|costs|the|a|an|up|through|edge|loose|across|into|short|remarks?|words|comments?|jokes?|teeth|grass"
    r"|wood|paper|fabric|onions?|vegetables|meat|cheese|cake|bread|cards|deals?|queue|line|hours|shifts|budget"
    r"|funding|benefits|ribbon|coupons|my\s(?:hair|finger|thumb|nails?|fringe|losses|hours|pills|tablets|food"
    r"|spending|toe|fingers))\b"
)
_ACCIDENT = (
    r"^(?![^.!?]*\b(?:on\spurpose|deliberately|intentionally)\b)\s(?:on\b(?!\spurpose)|while|doing|playing|lifting|shaving|chopping|cooking|making|opening|peeling|slicing"
    r"|ironing|gardening|at\s(?:the\sgym|work)|in\sthe\s(?:kitchen|garden|sun)|by\saccident|accidentally"
    r"|with\s(?:the|hot|boiling)\s(?:oil|kettle|iron|water|pan)|falling|when\si\s(?:fell|tripped|slipped))"
)
# An absence that is explained (a holiday, exams, moving) is not a farewell.
_EXPLAINED_ABSENCE = (
    r"\b(?:holiday|away\b|exams?|work\b|working|travel\w*|trip|abroad|visit\w*|busy|camping|moving|on\sleave"
    r"|break|much\s(?:this|for|over|next)|for\sa\s(?:bit|while|few)|offline|wedding|conference|festival|course"
    r"|surgery|operation|hiatus|social\smedia|detox|new\saccount|moving\son|until|till)\b"
)
_GOODBYE_EXPLAINED = (
    r"\b(?:to\s(?:the|this|that|our)|moving|move|holiday|break|for\sa\swhile|new\s(?:job|chapter|home))\b"
)

_RULES = (
    # --- wish: a wish to be dead, not to wake up, that others would be better off
    _rule(
        "wish",
        r"\bwish(?:ed|es|ing)?\s(?:that\s)?i\s(?:was|were|'?d\sbeen|had\sbeen|could\sbe|'?d\sbe)\s(?:dead|gone)\b",
    ),
    _rule(
        "wish", r"\b(?:'?d|had|have)\snever\sbeen\sborn\b|\bwish\w*\s(?:that\s)?i\s(?:didn'?t|did\snot|never)\sexist"
    ),
    _rule("wish", r"\brather\s(?:be\s)?dead\b|\brather\sdie\b", after=_TRIVIAL),
    _rule("wish", r"\b(?:better|happier|easier)\s(?:off\s)?(?:dead|without\sme)\b|\bbetter\splace\swithout\sme\b"),
    _rule(
        "wish",
        r"\b(?:better|happier|easier|lighter|fine)\b(?:\s[\w']+){0,3}\sif\si(?:\swas|\swere|\sam|'?m)?\s"
        r"(?:gone|dead|not\s(?:here|around|alive))\b|\b(?:better|happier|easier|fine)\b(?:\s[\w']+){0,3}\s"
        r"if\si\s(?:wasn'?t|weren'?t|was\snot|were\snot)\s(?:here|around|alive)\b",
    ),
    _rule(
        "wish",
        r"(?:\b<NOT>\s(?:really\s)?(?:want|wanna|wish)|\bidwt?)(?:\sto)?\s(?:live|be\salive|exist|wake\sup|go\son\sliving"
        r"|carry\son\sliving|keep\sliving|be\shere(?=\s*(?:any\s?more|$|[.,!?;]|no\smore|now|ever)))\b",
        after=r"^\s(?:with|like|in|there|near|under|at|on|as|that|this|early|for|before)\b",
    ),
    _rule(
        "wish",
        r"\b(?:wish|hop|pray|want|sleep|asleep|and)\w*\b[^.!?]{0,40}?\b(?:not|never|won'?t|wouldn'?t|don'?t|didn'?t)"
        r"\s(?:to\s)?(?:ever\s|just\s)?(?:wake|woke)\sup\b",
        after=r"^\s(?:until|till|before|on\stime|early|at\b|in\stime|for\b|when)",
    ),
    _rule(
        "wish",
        r"\b(?:no|nothing|not\sany|n'?t\s(?:any|a))\s(?:<W>){0,2}?(?:reason|will|point|purpose)\s(?:to|in|of|for)\s"
        r"(?:live|living|life|go(?:ing)?\son|carry(?:ing)?\son|be(?:ing)?\salive|stay(?:ing)?\salive|exist\w*)\b",
        after=r"^\s(?:like|with|in\s(?:this|that)|here)\b",
    ),
    _rule(
        "wish",
        r"\bwhat'?s\sthe\spoint\s(?:in|of)\s(?:<W>)?(?:living|going\son|carrying\son|being\salive|life)\b"
        r"|(?:n'?t|not|no|never)\s(?:really\s)?see\s(?:the|any)\spoint\s(?:in|of)\s(?:<W>)?(?:living|going\son"
        r"|carrying\son|being\salive|life)\b|\b(?:nothing|no\sone|nobody)\s(?:left\s)?to\slive\sfor\b",
    ),
    _rule(
        "wish",
        r"\b(?:want(?:ed|s)?|wanna|wish(?:ed)?|long(?:ed|ing)?|need)\s(?:to\s)?(?:just\s|really\s|simply\s)?(?:die|be\sdead)\b",
        after=r"^\s(?:of|from|laughing|for\s(?:a|this|that|the)|on\sthis\shill|a\slittle|inside|in\sold\sage|peaceful\w*"
        r"\s(?:at|in\s(?:old|my\sbed))|old|at\s(?:\d|ninety|eighty|a\sgood)|surrounded|in\smy\sown\sbed)",
    ),
    _rule(
        "wish",
        r"\b(?:sleep|go\sto\ssleep|fall\sasleep)\s(?:and\snever\swake\sup\s)?forever\b|\bdone\swith\s(?:life|living"
        r"|being\salive|existing)\b|\bonly\sreason\si'?m\s(?:still\s)?(?:here|alive|breathing)\b"
        r"|\bwish\w*\s(?:he|she|they)(?:'?d|\shad)\s(?:just\s)?(?:finished\s(?:the\sjob|me\soff)|killed\sme)\b"
        r"|\b(?:wish|want|wanna)\w*\b[^.!?]{0,20}?\bnot\s(?:to\s)?exist\b"
        r"|\b(?:welcome|long\sfor|pray\sfor|wish\sfor|hope\sfor)\sdeath\b|\bworth\smore\sdead\b"
        r"|\blife\sinsurance\b[^.!?]{0,30}?\bthan\s(?:with\s)?me\b"
        r"|\b(?:only\s(?:thing|reason|one|person)s?|all\sthat'?s|all\sthat\sis)\s(?:keeping|that\skeeps|that\skept|kept"
        r"|keeps)\sme\s(?:alive|here|breathing)\b|\b(?:can'?t|cant|don'?t|dont)\ssee\s<MYSELF>\s(?:making\sit|living"
        r"|being\salive|being\shere|surviving|still\sbeing\shere)\b",
    ),
    _rule(
        "wish",
        r"(?:if\s(?:it\s(?:wasn'?t|weren'?t)\sfor|i\sdidn'?t\shave)|without)\s(?:my\s|the\s)?(?:kids|children|son|daughter|dog"
        r"|cat|mum|mom|family|little\sone)\b[^.!?]{0,30}?\bi\s(?:wouldn'?t|would\snot)\s(?:still\s)?be\s(?:here"
        r"|alive|around)\b|\bi\s(?:wouldn'?t|would\snot)\s(?:still\s)?be\s(?:here|alive|around)\b[^.!?]{0,20}?\b(?:if\s"
        r"(?:it\s(?:wasn'?t|weren'?t)\sfor|i\sdidn'?t\shave)|without)\s(?:my\s)?(?:kids|children|son|daughter|dog|cat"
        r"|mum|mom|family|little\sone)\b",
    ),
    _rule(
        "wish",
        r"\b(?:hate|tired\sof|sick\sof|can'?t\sdo|can'?t\sstand|pointless|don'?t\swant)\b[^.!?]{0,40}?\bbeing\salive\b"
        r"|\bbeing\salive\s(?:included|is\s(?:pointless|torture|unbearable|too\s\w+))"
        r"|\b(?:disappointed|sad|upset|angry|annoyed|gutted)\s(?:that\s)?i\s(?:woke\sup|wake\sup|survived"
        r"|didn'?t\sdie|'?m\sstill\s(?:here|alive)|am\sstill\s(?:here|alive))\b"
        r"|\b(?:pray\w*|hop\w*|wish\w*)\s(?:for\s)?(?:an?\s)?(?:accident|car\scrash|crash|heart\sattack|fatal\s\w+)\b"
        r"|\bso\si\s(?:don'?t|wouldn'?t|won'?t)\shave\sto\sbe\s(?:here|alive|around)\b"
        r"|\b(?:miss|notice|care)\b[^.!?]{0,15}?\bif\si\s(?:was\sgone|were\sgone|was\sdead|were\sdead|died|disappeared"
        r"|wasn'?t\shere|weren'?t\shere|killed\s<MYSELF>)",
    ),
    _rule(
        "wish",
        r"\b(?:survive|live|make\sit|be\shere)\b[^.!?]{0,50}?\bpart\sof\sme\s(?:doesn'?t|does\snot|don'?t)\swant\sto\b"
        r"|\bpart\sof\sme\s(?:wants|wanted)\sto\s(?:die|be\sdead|not\swake|disappear\sforever)",
    ),
    _rule("wish", r"\bhop(?:e|ing)\s(?:that\s)?i\s(?:just\s)?(?:die|don'?t\swake|never\swake)\b"),
    _rule(
        "wish",
        r"\b(?:wouldn'?t|would\snot|won'?t|don'?t|dont|wouldnt)\scare\sif\s(?:a|the|some)\s(?:<W>)?<VEHICLE>\s"
        r"(?:hit|ran\sover|killed|took)\sme\b",
    ),
    _rule(
        "wish",
        r"\bif\si\s(?:died|was\sdead|were\sdead|were\sgone|was\sgone|disappeared)\b"
        r"(?=[^.!?]{0,40}\b(?:nobody|no\sone|anyone|notice|would\s(?:care|be\sbetter)|better|happier|miss))",
    ),
    _rule(
        "wish",
        r"\b(?:tired|sick|exhausted|weary)\sof\s(?:being\salive|existing|life\b(?!\s(?:with|in|under|like))"
        r"|living\b(?!\s(?:like|with|in|under|this|that|here|on|as|off|a\b)))",
        after=r"^\s(?:in|for|as|around|under|like|on|at|with|next\sto|alongside|only)\b",
    ),
    _rule(
        "wish",
        r"\b(?:it\sall|everything|all\sof\sit)\sto\s(?:end|be\sover|stop)\b|\b(?:the\spain|it|everything)\sto\s(?:stop|end)"
        r"\s(?:for\sgood|forever|permanently)\b"
        r"|\bwish\w*\b[^.!?]{0,60}?\b(?:it|everything)\s(?:would|could)\s(?:all\s)?(?:be\sover|end)\b",
    ),
    _rule("wish", r"\bdisappear\s(?:forever|for\sgood|permanently|and\snever\scome\sback)\b"),
    _rule("wish", r"\b(?:stop|stopped|cease|ceased|ceasing|stopping)\s(?:to\s)?exist(?:ing)?\b"),
    _rule(
        "wish",
        r"\b(?:begg?\w*|pray\w*|ask\w*|plead\w*)\s(?:god|the\suniverse|jesus|the\slord|death)\sto\s(?:just\s)?take\sme"
        r"\b(?!\s(?:back|to|out|home\sto|away\sfrom|seriously|in))",
    ),
    _rule(
        "wish",
        r"\b(?:being\sdead|death|dying|not\sbeing\shere|not\sexisting)\s(?:would\sbe|sounds|seems|feels|looks|is)\s"
        r"(?:like\s)?(?:a\s|the\s)?(?:so\s|much\s)?(?:easier|better|relief|peaceful|nice|kinder|preferable|welcome"
        r"|only\s(?:way|option)|answer|way\sout|escape)\b",
        before=r"\b(?:ego|k-?hole|ketamine|trip)\b[^.!?]*$",
    ),
    # "end it" with no one named ("end it with him" is a relationship).
    _rule(
        "wish",
        r"\bend(?:ing)?\s(?:it|things|everything)\b(?:\sall\b)?|\bended\sit\sall\b",
        before=r"\bwe(?:'?re|\sare|'?ve|\shave|'?ll|\swill|\sdecided\sto|\sagreed\sto)?\s(?:\w+\s)?$",
        after=r"^\s(?:with|between|for\s(?:him|her|them|us)|off|there|early|now\swith|properly|amicably|mutually|on\sgood\sterms)\b",
        sentence=r"\b(?:relationship|marriage|affair|engagement|friendship|contract|lease|tenancy|conversation"
        r"|argument|episode|essay|chapter)\b",
    ),
    # Broader patterns, written on a fresh tuning batch (see the data file): the writer's absence and who would
    # notice it, "can't go on anymore", wanting the pain to stop, being tired of existing, wanting to vanish.
    _rule(
        "wish",
        r"\b(?:notice|care|mind|matter|realise|realize|miss\sme|be\ssad|cry|be\s(?:fine|better|happier|relieved|ok"
        r"|okay))\b(?:\s[\w']+){0,2}?\sif\si\s(?:just\s|simply\s|suddenly\s|quietly\s)?<GONE>"
        r"|\b(?:no\s?(?:one|body)|no-one|anyone|anybody)\s(?:would|will|'?d|wouldn'?t|won'?t)\s(?:even\s|actually"
        r"\s|really\s|ever\s|honestly\s)?miss\sme\b(?!\s(?:at|for|on|in\s(?:the|that|this)|while|when|this|that|tonight"
        r"|today|tomorrow|if\si\s(?:left|skipped|didn'?t\s(?:go|come)))\b)"
        r"|\bif\si\s(?:just\s|simply\s|suddenly\s)?<GONE>(?=[^.!?]{0,30}\b(?:would|will)\s(?:anyone|anybody|people|they)"
        r"\s(?:even\s|actually\s|really\s)?(?:care|notice|miss\sme|mind))",
    ),
    _rule(
        "wish",
        r"\b(?:better|happier|easier|lighter|fine|relieved|okay|ok|calmer|freer|safer)\b(?:\s[\w']+){0,5}?\s(?:if|once"
        r"|when)\si\s(?:just\s|simply\s)?<GONE>"
        r"|\b(?:better|happier|fine|relieved|okay|ok|calmer|easier|lighter|safer|quieter|simpler|nicer|freer|brighter"
        r"|more\speaceful)\s(?:off\s)?without\sme\b"
        r"(?!\s(?:for|at|on|this|that|tonight|today|while|there)\b)",
    ),
    _rule(
        "wish",
        r"\b(?:can'?t|cant|cannot|can\snot|couldn'?t)\s(?:\w+\s)?(?:go\son|carry\son|keep\sgoing|keep\sdoing\s(?:this|it)"
        r"|do\s(?:this|it)|take\s(?:it|this|any\smore|much\smore)|cope|handle\s(?:it|this)|live\s(?:like\sthis|with"
        r"\s(?:this|myself))|be\shere)\s(?:any\s?more|any\slonger|no\smore)\b"
        r"|\b(?:can'?t|cant|cannot)\s(?:just\s|really\s)?(?:go\son|carry\son|keep\sgoing|do\sthis|take\sit)"
        r"(?=\s*(?:[.!?]|$)|,?\si\s(?:just|really)\scan'?t)",
        sentence=r"\b(?:leav(?:e|ing)\s(?:him|her|them|the|this|my|work|home)|left\s(?:him|her)|divorc\w*|moving\sout"
        r"|block\w*|quit\w*|handing\s(?:in\s)?my\snotice|job|commute|diet)\b",
    ),
    _rule(
        "wish",
        r"\b(?:want|wanna|wish|need|pray|beg|long)\w*\s(?:\w+\s){0,2}?(?:the\s(?:pain|hurt|hurting|suffering|agony)"
        r"|my\s(?:pain|suffering|life|heart|existence)|life|the\sthoughts|the\svoices)\sto\s(?:stop|end|be\sover"
        r"|go\saway\sforever)\b",
        after=r"^\s(?:controlling|ruling|defining|affecting|being|hurting|for\sa\s(?:bit|while|second|minute))",
    ),
    _rule(
        "wish",
        r"\b(?:tired|sick|exhausted|weary|worn\sout|done)\s(?:of|from|with|to)\s(?:just\s|even\s)?(?:existing|being\salive"
        r"|being\shere|waking\sup|breathing|(?:fighting|trying|struggling)\sto\s(?:stay\salive|live|keep\sgoing|survive"
        r"|keep\sliving)|stay(?:ing)?\salive|live\b|living\b(?!\s(?:like|with|in|under|this|that|here|on|as|off|a\b|for|around"
        r"|near|at|by|alone|without)))",
        after=r"^\s(?:at|early|to|in|with|for|next\sto|alone|on|because|so|around|near|every\s(?:weekend|week\b|month|saturday|sunday|shift|time)|all\sthe\stime"
        r"|cleaning|doing|like|under|as|off)\b",
    ),
    _rule(
        "wish",
        r"\b(?:life|living|my\slife|being\salive|it)\s(?:isn'?t|is\snot|ain'?t|is\sno\slonger|no\slonger\sfeels|doesn'?t"
        r"\sfeel|does\snot\sfeel|wasn'?t|won'?t\sbe|wouldn'?t\sbe)\s(?:\w+\s)?worth\sliving\b|\bnot\sworth\sliving\b"
        r"|\blife\s(?:isn'?t|is\snot|is\sno\slonger)\sworth\sit\b",
        after=r"^\s(?:in\s(?:fear|a\s|that|this|his|her)|with\s(?:him|her|someone|an?\s|that)|like\s(?:that|this)|under)",
    ),
    _rule(
        "wish",
        r"\bwaiting\s(?:to\sdie|for\s(?:death|the\send|it\sto\s(?:all\s)?(?:end|be\sover)|my\sturn\sto\sdie))\b",
        after=r"^\s(?:of|to)\b",
    ),
    _rule(
        "wish",
        r"\b(?:don'?t|do\snot|never)\s(?:really\s)?belong\s(?:in\sthis\sworld|on\sthis\s(?:earth|planet)|among\sthe"
        r"\sliving|anywhere\sany\s?more)\b|\bshouldn'?t\s(?:even\s)?(?:be\salive|exist|have\sbeen\sborn|still\sbe"
        r"\s(?:here|alive))\b|\bwasn'?t\s(?:meant|supposed)\sto\s(?:be\sborn|exist)\b",
    ),
    _rule(
        "wish",
        r"\b(?:want(?:ed|s)?\sto|wanna|wish(?:ed|ing)?\s(?:i\s(?:could|would|was\sable\sto)|to)|long(?:ing)?\sto|need"
        r"\sto|ready\sto|hop(?:e|ing)\s(?:to|i\s(?:can|could|will)))\s(?:just\s|simply\s|quietly\s|really\s|finally\s)?"
        r"(?:disappear|vanish|fade\s(?:away|out)|cease\sto\sexist|be\sgone|stop\sbreathing|slip\saway|not\sbe\s(?:here"
        r"|alive|around))\b",
        after=r"^\s?(?:into|for\b|to\b|from|off|on\s(?:holiday|him|her)|abroad|somewhere|under|in\s(?:a|the)|until|till"
        r"|back|with|while|when|before|after|by|at|him|her|them|people|this|tonight)"
        r"|^[^.!?]*\b(?:holiday|trip|cottage|weekend|month|week|island|beach|move|moving|crowd)\b",
    ),
    _rule(
        "wish",
        r"\bwhat'?s\sthe\spoint\s(?:in|of)\s(?:even\s|just\s)?(?:waking\sup|existing|being\shere|staying\s(?:alive"
        r"|here)|breathing|anything\s(?:any\s?more|at\sall)|any\sof\sit\sany\s?more)\b|\b(?:no|not\sany|n'?t\sany)\spoint"
        r"\s(?:in|to)\s(?:even\s)?(?:waking\sup|existing|being\shere|staying\salive)\b",
    ),
    _rule(
        "wish",
        r"\bend(?:ing)?\smy\s(?:suffering|misery)\b|\bend(?:ing)?\s(?:the|all\s(?:the|this|my)|this)\s(?:suffering|pain"
        r"|misery)\s(?:for\sgood|forever|permanently|once\sand\sfor\sall)\b",
    ),
    # --- thoughts: suicide named, killing oneself, ending one's life, thoughts of death
    _rule(
        "thoughts",
        r"\bsuicid\w*",
        before=r"\b(?:not|never|no|(?:am|is|are|was|were|do|does|did|have|has|had|ai)n'?t)\s(?:ever\s|really\s|actually\s"
        r"|at\sall\s|feeling\s|been\s|even\s)?$"
        r"|\b(?:career|political|social|commercial|financial|professional|electoral)\s$",
        after=r"^\s?(?:squad|doors?|blonde|run\b|drills?|mission)",
    ),
    _rule("thoughts", r"\bkill(?:ed|s)?\s?<ANYSELF>", after=r"^(?:\s\w+)?\s(?:laugh\w*|with\slaughter)"),
    _rule(
        "thoughts",
        r"\bkilling\s?<ANYSELF>",
        after=r"^(?:\s\w+)?\s(?:laugh\w*|with\slaughter)|^\s(?:to|for|over|at\s(?:work|the\sgym)|trying|working|slowly"
        r"|with\s(?:work|this|drink|alcohol|booze|drugs|cigarettes|food|stress))\b",
    ),
    _rule(
        "thoughts",
        r"\b(?:end(?:ing|ed|s)?|tak(?:e|es|ing|en)|took)\s(?:his|her|their)\s(?:own\s)?life\b",
        after=r"^\s(?:back|into|in\s(?:his|her|their|both)\shands|seriously|for\sgranted|over|apart)\b",
    ),
    _rule(
        "thoughts",
        r"\b(?:end(?:ing|ed|s)?|tak(?:e|es|ing|en)|took)\smy\s(?:own\s)?life\b",
        after=r"^\s(?:back|into|in\s(?:my|both)\shands|seriously|for\sgranted|over|apart|away\sfrom)\b",
        others="drop",  # "he threatened to take my life" is a threat to the writer, moderated elsewhere
    ),
    _rule(
        "thoughts",
        r"\b(?:think\w*|thought\w*|fantasi[sz]\w*|dream\w*)\s(?:about|of)\s(?:dying|death|being\sdead|not\sbeing\s(?:here|alive|around)"
        r"|not\sexisting|my\s(?:own\s)?death)\b",
        after=r"^\sof\b",
    ),
    _rule(
        "self_injury",
        r"\bhurt(?:ing|s)?\s?<MYSELF>",
        before=r"\b(?:never|n'?t|not)\s(?:<W>){0,2}$",
        after=_ACCIDENT + r"|^\s(?:by|badly|emotionally|over\s(?:him|her|them)|more\sby|thinking)\b",
    ),
    # Thinking of, or urges towards, ending it all ("thinking to finish my life"); the only way out is death.
    _rule(
        "thoughts",
        r"\b(?:think\w*|thought\w*|consider\w*|contemplat\w*|dream\w*|fantasi[sz]\w*|urges?|idea\sof|tempted)\s(?:about"
        r"\s|of\s|to\s)?(?:just\s)?(?:ending|end|finishing|finish|taking)\s(?:it\sall|everything|things|my\s(?:own\s)?life"
        r"|it\b|myself)",
        before=r"\bwe(?:'?re|\sare|'?ve|\shave)?\s(?:\w+\s)?$",
        after=r"^\s(?:with|between|for\s(?:him|her|them|us)|off|there|early|amicably|mutually|on\sgood\sterms|and\s(?:moving"
        r"|leaving|starting))\b|^[^.!?]*\b(?:relationship|marriage|affair|engagement|friendship|contract|lease|tenancy)\b",
    ),
    _rule(
        "thoughts",
        r"\bonly\s(?:way|option|exit|escape|answer|choice|solution)\s(?:out\s)?(?:left\s)?(?:is|would\sbe|was)\s(?:to\s)?"
        r"(?:die|death|dying|suicide|end\s(?:it|my\slife)|ending\s(?:it|my\slife)|kill\s<MYSELF>|killing\s<MYSELF>)\b",
    ),
    # --- method: a way of dying, tied to the writer
    _rule(
        "method",
        r"\b(?:think\w*|thought\w*|dream\w*|fantasi[sz]\w*|imagin\w*|obsess\w*)\s(?:about|of)\s(?:just\s)?<METHOD_ING>",
    ),
    _rule(
        "method",
        r"\bjump\w*\s(?:off|from|in\sfront\sof|under|onto)\s(?:the\s|a\s|an\s|that\s|this\s|my\s|our\s|some\s|his\s"
        r"|her\s)?(?:<W>){0,2}?<PLACE>\b|\b(?:bridge|balcony|roof|cliff|ledge|window)\b[^.!?]{0,30}\bjump\b",
    ),
    _rule(
        "method",
        r"\b(?:step\w*|walk\w*|throw\w*\s<ANYSELF>|jump\w*|lie|lying|lay|laid)\s(?:out\s)?(?:in\sfront\sof|under)\s"
        r"(?:the\s|a\s|an\s|that\s|oncoming\s)?(?:<W>)?<VEHICLE>\b",
    ),
    _rule(
        "method",
        r"\b(?:driv\w*|drove|crash\w*|steer\w*|swerv\w*|plough\w*)\s(?:my\scar\s|the\scar\s)?(?:straight\s)?"
        r"(?:into|off)\s(?:the\sback\sof\s)?(?:a\s|the\s|an\s|that\s|oncoming\s)?(?:<W>)?(?:lorry|truck|wall|tree"
        r"|cliff|river|traffic|barrier|canal|sea|quarry|reservoir|bus|pillar)\b"
        r"|\bcrash\w*\s(?:my|the|his|her)\scar\s(?:on\spurpose|deliberately)",
    ),
    _rule(
        "method",
        r"\b(?:swallow\w*|tak(?:e|es|ing|en)|took|down\w*|neck\w*)\s(?:every|all|all\sof|the\swhole|a\swhole"
        r"|the\srest\sof|everything\sin|a\s(?:bunch|handful|load|lot|fistful|pile|stack)\sof"
        r"|a\s(?:whole\s|full\s)?(?:packet|pack|box|bottle|strip|tub|jar|blister\spack)\sof|both|a\sfull|loads\sof"
        r"|lots\sof|too\smany|[2-9]\d|\d{3})\s(?:of\s)?(?:my\s|the\s|her\s|his\s|their\s)?(?:<W>){0,2}?(?:<DRUG>|bottles?"
        r"|box|boxes|packets?|packs?|strips?|blister|cabinet|medicine)\b",
        after=r"^\s(?:as\sprescribed|on\stime|properly|correctly|every\s(?:day|morning|night)|daily"
        r"|with\s(?:food|breakfast|water|meals|dinner|lunch)|in\sthe\smorning|each\sday)"
        r"|^[^.!?]*\b(?:by\s(?:accident|mistake)|accidentally)\b",
    ),
    _rule(
        "method",
        r"\bhow\s(?:many|much)\s(?:of\s)?(?:my\s|the\s|her\s|his\s)?(?:<W>){0,2}?<DRUG>\b[^.!?]{0,30}?"
        r"(?:would\sit\stake|it\swould\stake|to\s(?:die|kill|do\sit|be\slethal|end\sit)|would\s(?:do\sit|kill"
        r"|be\senough|be\slethal)|is\s(?:a\s)?(?:lethal|fatal))",
    ),
    _rule(
        "method",
        r"\b(?:look\w*\sup|googl\w*|research\w*|search\w*)\s(?:for\s)?(?:how\s(?:high|tall|deep|far|long|many|much)"
        r"|ways\sto\s(?:die|end)|painless)\b[^.!?]{0,40}?(?:<PLACE>|<DRUG>|\bdie|dying|kill|drown|lethal|it\swould\stake)",
    ),
    _rule(
        "method",
        r"\b(?:train\s(?:line|tracks)|railway|tracks|bridge|cliff|balcony|rope|pills|tablets|blades?|razors?|gun)\b"
        r"[^.!?]{0,50}?\b(?:think|thinking|thought)\sabout\s(?:it|them|jumping|using\sit)\s(?:every|all\sthe\stime"
        r"|constantly|too\smuch|too\soften|way\stoo|a\slot|again)",
    ),
    _rule(
        "method",
        r"\b(?:sat|sitting|sit|stood|standing|lay|lying)\b[^.!?]{0,40}?\bwith\s(?:a|the|my)\s(?:razor|blade|rope|noose"
        r"|gun|belt|pills|tablets)\b|\b<DRUG>\s(?:all\s)?(?:lined\sup|counted\sout|in\sfront\sof\sme)\b",
    ),
    _rule(
        "method",
        r"\b(?:plan\w*|think\w*|figur\w*|work\w*\sout|decid\w*|wonder\w*)\s(?:about\s)?(?:how|when|where)\si(?:'?d|\swould"
        r"|'?ll|\swill)\sdo\sit\b(?!\s(?:differently|better|again|if))"
        r"|\b(?:hurt\sless|less\spainful|least\spainful|quicker|quickest)\b[^.!?]{0,30}?\b(?:<DRUG>|<PLACE>|rope|hanging"
        r"|jumping)\b|\bsat\sin\s(?:the|his|her|my)\scar\swith\sa\shose(?:pipe)?\b",
    ),
    _rule("method", r"\b<DRUG>\b[^.!?]{0,30}?\bon\spurpose\b"),
    _rule(
        "method",
        r"\b(?:ways?|how|methods?)\sto\s(?:kill|hang|drown|end|poison)\s<MYSELF>|\bways\sto\s(?:die|end\smy\slife)\b",
    ),
    _rule("method", r"\b(?:lethal|fatal|deadly)\s(?:dose|amount|quantity|overdose|combination)\b"),
    _rule("method", r"<DRUG>\s(?:would|will|could|might)\s(?:do\sit|kill\sme|be\senough|end\sit)\b"),
    _rule(
        "method",
        r"\bcount\w*\s(?:out\s)?(?:all\s)?(?:my\s|the\s)?(?:<W>)?<DRUG>\b",
        after=r"^\s(?:into|for\sthe\sweek|to\scheck)",
    ),
    _rule("method", r"\b<DRUG>\b[^.!?]{0,30}?\bdoing\sthe\smaths?\b"),
    _rule(
        "method",
        r"\brope\b[^.!?]{0,60}?\b(?:think\w*\sabout\s(?:it|using\sit)|for\s<MYSELF>|around\smy\sneck|to\shang)\b",
    ),
    _rule("method", r"\bnoose\b", before=r"\blike\sa\s$", after=r"^\s(?:around|round)\smy\sneck"),
    _rule("method", r"\b(?:hang(?:ing|ed|s)?|hung|top(?:ping|ped|s)?)\s?<ANYSELF>"),
    _rule(
        "method",
        r"\b(?:stood|standing|sat|sitting|climbed)\s(?:at|on|to)\s(?:the\s)?(?:top|edge)\sof\s(?:the\s|a\s)?(?:<W>)?"
        r"(?:multi-?storey|car\spark|building|bridge|cliff|roof|balcony|tower\sblock|block\sof\sflats|viaduct|platform)\b",
        after=r"^[^.!?]*\b(?:view|holiday|photos?|sunset|tour\w*)\b",
    ),
    _rule("method", r"\b(?:shoot(?:ing|s)?|shot)\s?<ANYSELF>(?!\sin\sthe\s(?:foot|leg))"),
    _rule(
        "method",
        r"\b(?:gun|shotgun|rifle|pistol|knife|knives|blade|razor)\b[^.!?]{0,60}?\b(?:use|using|turn|turning)\s"
        r"(?:it|them|that)\son\s<MYSELF>",
    ),
    _rule(
        "method",
        r"\b(?:slit\w*|slash\w*|cut(?:ting)?|open\w*)\s(?:both\s)?<POSS>\s(?:own\s)?wrists?\b"
        r"|\bknife\s(?:to|against|on|across)\s<POSS>\swrists?\b",
        others="drop",
    ),
    _rule(
        "method",
        r"\bwalk\w*\sinto\sthe\s(?:sea|river|lake|ocean|water|canal|waves)\b[^.!?]{0,20}?(?:and\s(?:not|never|just"
        r"\skeep|keep)|until|forever|and\sdisappear)",
    ),
    _rule("method", r"\bdrown(?:ing|ed|s)?\s<ANYSELF>"),
    _rule("method", r"\b(?:quietest|most\spainless|painless|surest|least\spainful)\s(?:<W>){0,2}?to\s(?:do\sit|die)\b"),
    # Broader method patterns: "how many would it take", going back to a bridge or the tracks, standing over the
    # railings, how easy it would be to step off, the wrists.
    _rule(
        "method",
        r"\bhow\s(?:many|much)\s(?:of\s(?:them|these|those|it)\s|(?:of\s(?:my|the|her|his)\s)?(?:<W>)?<DRUG>\s)?"
        r"(?:it\s(?:would|'?d|will|'?ll)|would\sit|does\sit|do\syou|would\si|i'?d)\s(?:take|need)\b",
        after=r"^\s(?:to\s(?!die|kill|end|do\sit|not\swake|be\slethal|finish\s(?:me|it|myself)|od|overdose)|for\s(?:a|the|one)"
        r"|per|each|a\sday|daily)",
    ),
    _rule(
        "method",
        r"\b(?:(?:keep|kept|keeps)\s(?:\w+\s)?(?:driving|walking|going|cycling|standing|sitting|stopping|staring|looking"
        r"|ending\sup|winding\sup|finding\smyself|wandering|heading|coming)|(?:find|finding|found)\smyself(?:\s\w+)?"
        r"|(?:always|often)\s(?:end|ended|wind|wound)\sup)\s(?:\w+\s){0,2}?(?:past|to|at|on|by|near|over|off|down|onto|towards?)\s(?:the\s|that\s|this"
        r"\s|a\s|our\s|my\s)?(?:<W>)?(?:(?:foot|rail|road)?bridge|cliffs?|tracks|railway(?:\sline)?|level\scrossing|ledge|viaduct|flyover"
        r"|overpass|rooftop|roof|top\sfloor|railings?|platform\sedge|edge\sof\sthe\s(?:platform|cliff|roof|bridge)"
        r"|quarry)\b",
        after=r"^[^.!?]*\b(?:view|photos?|picnic|sunset|walk\sthe\sdog|dog\swalk|commute|work)\b",
    ),
    _rule(
        "method",
        r"\b(?:stood|standing|stand|sat|sitting|sit|climbed|climbing|climb|lean\w*|hung|hanging)\s(?:\w+\s){0,2}?"
        r"(?:on|over|onto|at|by|near|beside|across)\s(?:the\s)?(?:wrong\sside\sof\sthe\s(?:railings?|barrier|fence"
        r"|parapet)|railings?|parapet|ledge|(?:train\s|railway\s)?tracks|railway\sline)\b",
        after=r"^[^.!?]*\b(?:watch\w*|view|see\sthe|fireworks|photos?|picnic|train\sspott\w*|waiting\sfor\s(?:the|my)"
        r"\s(?:bus|train|friend))\b",
        before=r"\b(?:we|us|kids|children)\b[^.!?]*$",
    ),
    _rule(
        "method",
        r"\bhow\s(?:easy|quick|simple|fast|painless|quickly)\s(?:it\s(?:would|'?d|might|could|will)\sbe|it\sis)\s"
        r"(?:to\s(?:just\s)?(?:jump|step\s(?:off|out|in\sfront|onto)|fall|lean\sover|let\sgo|swerve|drive\s(?:into|off)"
        r"|turn\sthe\swheel|swallow|end\s(?:it|things|everything)|die|slip\saway|drown)|if\si\s(?:just\s)?(?:jump\w*"
        r"|stepp?\w*|fell|let\sgo|swerv\w*|drove\s(?:into|off)|turned\sthe\swheel|swallowed))\b",
    ),
    _rule(
        "method", r"\b(?:think\w*|thought)\sabout\smy\swrists?\b|\bknives?\b[^.!?]{0,40}?\bmy\swrists?\b", others="drop"
    ),
    # --- intent: a decision, a time, a farewell
    _rule(
        "intent",
        r"\b(?:this\sis|this'?ll\sbe|this\swill\sbe|it'?s)\smy\slast\s(?:post|message|note|words|goodbye)\b",
        after=r"^[^.!?]*"
        + _EXPLAINED_ABSENCE
        + r"|^\s(?:about|on\s(?:this|the|him|her)|in\s(?:this|the)\s(?:thread|group))",
    ),
    _rule(
        "intent",
        r"\bmy\slast\s(?:night|day|week|weekend|christmas|birthday)\s(?:on\searth|alive|of\smy\slife|ever)\b"
        r"|\blast\s(?:post|message|note|words)\b[^.!?]{0,30}?\bbefore\si\s(?:go|die|do\sit|leave|end)\b",
    ),
    _rule(
        "intent",
        r"\b(?:won'?t|will\snot|wont|not\sgoing\sto|n'?t\sgonna|not\sgonna|shan'?t)\sbe\s(?:here|alive"
        r"|around(?!\s(?:this|next|at\sthe|on\s\w+day|much\s(?:this|next))\b))\b",
        before=r"\b(?:if|in\scase|afraid|scared|worried|fear|hope)\b[^.!?]*$",
        after=r"^[^.!?]*" + _EXPLAINED_ABSENCE + r"|^[^.!?]*\b(?:when|if)\s(?:he|she|they)\b",
    ),
    _rule(
        "intent",
        r"\b(?:by\sthe\stime|when)\s(?:anyone|you|someone|people|they|you\sall|everyone)\s(?:reads?|sees?|finds?)\s"
        r"(?:this|me)\b[^.!?]{0,10}?\bi'?ll\sbe\s(?:gone|dead)\b|\bi(?:'?ll|\swill)\sbe\s(?:dead|gone\s(?:for\sgood"
        r"|forever))\b",
        before=r"\b(?:said|says|told\sme|threaten\w*|thought|think|afraid|scared|worried)\b[^.!?]*$",
    ),
    _rule(
        "intent",
        r"\bmy\splan\sis\sto\s(?:do\sit|end\sit|die|go\sthrough\swith\sit)\b|\bwon'?t\s(?:need|have)\sto\sworry\sabout"
        r"\s(?:anything|it)\s(?:after|from|past)\b",
    ),
    _rule(
        "intent",
        r"\bwhat\si\s(?:might|could|would|'?ll|will|may)\sdo\sto\s<MYSELF>|\b(?:scared|afraid|worried|terrified)\s(?:that\s)?"
        r"i(?:'?ll|\swill|\smight|\scould|\smay)\sdo\ssomething\s(?:stupid|to\s<MYSELF>)",
    ),
    _rule("intent", r"\btonight'?s\sthe\snight\b[^.!?]{0,20}?(?:i'?ve\s(?:made|decided)|made\sup\smy\smind|decided)"),
    _rule(
        "intent",
        r"\b(?:picked|pick|choose|chosen|chose|set)\s(?:a\s|the\s|my\s)?(?:date|day|night)\b(?=\s*(?:[.!?]|$|i'?m\sgoing\sto\s(?:die"
        r"|do\sit|end)|to\s(?:die|do\sit|end\sit)))",
    ),
    _rule(
        "intent",
        r"\bi(?:'?m|\sam)\s(?:\w+\s)?(?:going\sto|gonna|ready\sto|about\sto)\s(?:just\s|finally\s)?die\b"
        r"|\b(?:plan(?:ning)?|intend(?:ing)?|decided)\s(?:to|on)\s(?:just\s)?(?:die|dying)\b",
        after=r"^\s(?:of|from|laughing|alone|old|happy|someday|one\sday|eventually|young|in\s(?:my|peace))",
        others="drop",
    ),
    _rule("intent", r"\b(?:last\stime\syou(?:'?ll|\swill)\s(?:ever\s)?hear\sfrom\sme|never\shear\sfrom\sme\sagain)\b"),
    _rule(
        "intent",
        r"\b(?:goodbye|bye)\s(?:everyone|all|world|forever|cruel\sworld|for\sgood)\b|\bthis\sis\sgoodbye\b",
        before=r"\b(?:say|said|saying|wave|waved|to)\s$",
        after=r"^[^.!?]*" + _GOODBYE_EXPLAINED,
        sentence=r"\b(?:last\sday\sat|new\sjob|leaving\s(?:do|party|drinks)|retir\w*)\b",
        others="drop",
    ),
    _rule(
        "intent",
        r"\bi(?:'?ll|\swill)\sbe\s(?:dead|gone)\sby\s(?:morning|tomorrow|the\smorning|sunrise|dawn|the\sweekend|monday"
        r"|tuesday|wednesday|thursday|friday|saturday|sunday|tonight)\b",
        before=r"\b(?:said|says|told\sme|threaten\w*|thought|think|afraid|scared|worried)\b[^.!?]*$",
        after=r"^[^.!?]*" + _EXPLAINED_ABSENCE,
    ),
    _rule(
        "intent",
        r"\bcheck(?:ing|ed)?\sout\s(?:of\s(?:life|this\s(?:world|life|earth))|for\sgood|permanently|early)\b",
    ),
    # --- preparation: saving pills, notes, goodbyes, giving things away, "when I'm gone"
    _rule(
        "preparation",
        r"\b(?:stockpil\w*|hoard\w*|sav(?:e|es|ed|ing)(?:\sup)?|stash(?:ed|ing)|squirrel\w*\saway|stor(?:e|ed|ing)\sup"
        r"|build\w*\sup|built\sup)\s(?:up\s)?(?:all\s|some\s)?(?:of\s)?(?:my\s|the\s|her\s|his\s|their\s)?"
        r"(?:<W>){0,2}?<DRUG>\b",
        after=r"^\s(?:for\s(?:my|the)\s(?:holiday|trip)|to\s(?:take|give)\sback|for\s(?:the\s)?pharmacy|for\sdisposal"
        r"|organi[sz]er|box|case|dispenser|packaging)",
        others="drop",  # "he hid my pills" is control, moderated elsewhere
    ),
    _rule(
        "preparation",
        r"\b(?:collect|get|getting|got|order|ordering|ordered)\w*\s(?:my\s|extra\s)?(?:<W>)?<DRUG>\s(?:early|in\sadvance)"
        r"\b(?=[^.!?]*\benough\b)",
    ),
    _rule(
        "preparation",
        r"\benough\s(?:<W>){0,2}?<DRUG>\b[^.!?]{0,25}?(?:saved|stored|put\saway|hidden|to\s(?:do\sit|die|kill|end\sit"
        r"|not\swake)|for\swhen)",
    ),
    _rule(
        "preparation",
        r"<DRUG>\s(?:from|at|in)\s(?:different|several|multiple|two|three|separate)\s(?:shops|pharmacies|chemists"
        r"|places|stores|supermarkets)\b",
    ),
    _rule(
        "preparation",
        r"\b(?:when|after|once|if|in\scase|for\swhen|for\safter|before)\s(?:i'?m|im|i\sam)\s(?:gone|dead|no\slonger"
        r"\s(?:here|around|alive))\b(?!\s(?:to|for|on|out|away|abroad|shopping|from|into|through|over|back|past|up"
        r"|down|off|a)\b)|\b(?:when|after|once|if|in\scase)\s(?:i'?m|im|i\sam)\snot\s(?:here|around|alive)\b"
        r"(?!\s(?:for|because|while|on|at|to|when|tonight|today|tomorrow)\b)",
        others="drop",
    ),
    _rule(
        "preparation",
        r"\bin\scase\s(?:something|anything)\s(?:happens|were\sto\shappen|should\shappen)\sto\sme\b",
        sentence=r"\b(?:he|him|his|my\sex|abuser|police|refuge|court)\b",  # fear of an abuser, not a plan
    ),
    _rule(
        "preparation",
        r"\b(?:goodbye|farewell|suicide)\s(?:note|letter|message|video)s?\b",
        before=r"\b(?:therap\w*|counsell?or|exercise)\b[^.!?]*$",
        after=r"^\s(?:to\s(?:the\s|my\s|our\s|that\s)?(?:relationship|marriage|ex|him|her|abuser|past|old|younger"
        r"|house|home|job|city|town)|in\stherapy)",
    ),
    _rule(
        "preparation",
        r"\b(?:note|letter)s?\s(?:<W>){0,4}?(?:explaining\severything|saying\sgoodbye|saying\ssorry\sfor\severything)\b",
        sentence=r"\b(?:left\s(?:him|her|home|the\shouse)|leaving\s(?:him|her)|moving|refuge|escape\w*)\b",
    ),
    _rule(
        "preparation",
        r"\b(?:cancel\w*|stopp?\w*|quit)\s(?:my\s)?(?:therapy|appointments?|counselling|meds|medication)\b[^.!?]{0,40}?"
        r"\bno\spoint\b",
    ),
    _rule(
        "preparation",
        r"\b(?:bought|buying|got|stocked\sup\son)\b[^.!?]{0,15}?\b<DRUG>\b[^.!?]{0,50}?\b(?:so|too)\s(?:much|many)\b"
        r"|\b(?:bought|buying|got)\s(?:so|too)\s(?:much|many)\s(?:<W>)?<DRUG>"
        r"|\bmade\sarrangements\sfor\s(?:the|my)\s(?:cat|dog|kids|pets?|children)\b",
        after=r"^[^.!?]*\b(?:mov\w*|holiday|trip|away|hospital\sstay|operation)\b",
    ),
    _rule("preparation", r"\bmy\s(?:suicide\s|goodbye\s|last\s)?note\sis\s(?:written|ready|done|finished)\b"),
    _rule(
        "preparation",
        r"\bwithout\s(?:him|her|them|anyone|my\s\w+)\sknowing\s(?:it\swas|it'?s|it\swould\sbe)\s(?:goodbye|the\slast)"
        r"|\b(?:said|saying|say)\s(?:all\s)?my\s(?:final\s|last\s)?goodbyes\b(?!\sto\s(?:the|this|that|my\s(?:old"
        r"|home|house|flat|job)))",
    ),
    _rule(
        "preparation",
        r"\b(?:giv(?:e|es|ing)|gave|given)\s(?:away\s)?(?:all\s)?(?:of\s)?my\s(?:things|stuff|belongings|possessions"
        r"|treasures)\b(?:\saway)?",
        after=r"^[^.!?]*\b(?:move|moving|declutter\w*|downsiz\w*|charity\sshop|car\sboot)\b",
    ),
    _rule("preparation", r"\btold\s(?:her|him|them|everyone|people)\si'?m\smoving\.?\s(?:but\s)?i'?m\snot\b"),
    _rule("preparation", r"\bmy\s(?:own\s)?funeral\b"),
    _rule(
        "preparation",
        r"\bmy\s(?:stash|supply|pills|tablets|meds|rope|note)\s(?:is\s|are\s)?(?:all\s)?(?:ready|sorted)\b"
        r"|\b(?:wrote|written|writing)\b[^.!?]{0,20}?\bletters?\s(?:to|for)\s(?:everyone|each\sof\s(?:them|you)|all\sof"
        r"\s(?:them|you))\b",
    ),
    _rule("preparation", r"\b(?:sort\w*|put\w*|get\w*|got|set\w*)\s(?:out\s)?(?:all\s)?my\saffairs\b"),
    _rule("preparation", r"\bso\s(?:there'?s|there\sis|there\swill\sbe|there'?ll\sbe)\snothing\sleft\sof\sme\b"),
    _rule(
        "preparation",
        r"\b(?:blades?|razors?|pills|tablets|rope|meds)\b[^.!?]{0,50}?\bfor\swhen\si'?m\sready\b"
        r"|\brope\b[^!?]{0,40}?\bknow\swhat\s(?:it'?s|it\sis)\sfor\b"
        r"|\bpracti[cs]\w*\s(?:with\s)?(?:the\s|a\s)?(?:rope|noose|knot|belt|ligature)\b",
    ),
    # Giving things away "because I won't need them", notes for whoever finds me, who gets my things, tying up loose
    # ends so nobody has to deal with it after.
    _rule(
        "preparation",
        r"\b(?:giv\w*|gave|given|left|leaving|hand\w*|pass\w*)\b[^.!?]{0,80}?\b(?:won'?t|wont|will\snot|shan'?t|(?:'?m|am)"
        r"\snot\sgoing\sto|no\slonger)\s(?:be\s)?need(?:ing)?\s(?:it|them|any\sof\s(?:it|them|this)|anything|those|these"
        r"|that)\b",
        after=r"^\s(?:any\s?more\s)?(?:now|since|because|as|after\sthe|in\b(?!\sthe\send)|when\si\smove|once\si\smove"
        r"|there|for\s(?:the|a|my)\s(?:move|trip|holiday))",
        sentence=r"\b(?:mov(?:e|ed|ing)|new\s(?:one|flat|house|place|job|home)|upgrad\w*|declutter\w*|downsiz\w*|outgrow\w*"
        r"|grew\sout|holiday|emigrat\w*|abroad|retir\w*)\b",
    ),
    _rule(
        "preparation",
        r"\b(?:whoever|the\sperson\swho|the\sone\swho|whoever'?s\sgoing\sto)\s(?:finds?|will\sfind|'?ll\sfind|going\sto"
        r"\sfind)\sme\b",
    ),
    _rule(
        "preparation",
        r"\b(?:wrote|written|writing|write|drafted|drafting|left|leaving|recorded|recording)\s(?:\w+\s){0,3}?(?:letters"
        r"|notes|messages|videos|cards)\s(?:to|for)\s(?:all\s(?:of\s)?my|each\sof\smy|every\sone\sof\smy|everyone\si"
        r"\slove|the\speople\si\slove|my\s(?:kids|children|family|loved\sones))\b",
        after=r"^[^.!?]*\b(?:thank\w*|christmas|birthday|pen\s?pals?|court|council|school|teachers?|mp|solicitor|judge"
        r"|mps?|holiday|postcards?|camp|wedding)\b",
    ),
    _rule(
        "preparation",
        r"\b(?:decided|decide|deciding|sorted\s(?:out\s)?|worked\sout|written\sdown|wrote\sdown|listed|made\sa\slist\sof"
        r"|left\sinstructions\s(?:for|about|on))\swho(?:'?ll|\swill|\sshould)?\s(?:gets?|have|has|takes?|look\safter"
        r"|looks\safter|feeds?|inherits?)\s(?:my|the)\s(?:things|stuff|belongings|possessions|jewell?ery|jewelry|cat|dog"
        r"|pets?|car|records|books|house)\b|\bwho\s(?:gets|will\sget|should\sget|'?ll\sget|inherits)\smy\s(?:things"
        r"|stuff|belongings|possessions)\b|\bleft\sinstructions\sfor\swho\b",
        before=r"\bwe\s(?:\w+\s)?$",
    ),
    _rule(
        "preparation",
        r"\b(?:tie|tying|tied|ties|tidy\w*|wrap\w*|sort\w*)\s(?:up\s)?(?:all\s)?(?:my\s|the\s)?loose\sends\b"
        r"|\bso\s(?:nobody|no\sone|no-one|nobody\selse|they|my\s\w+)\s(?:has|have|will\shave|won'?t\shave|doesn'?t\shave"
        r"|don'?t\shave|needs?)\sto\s(?:deal\swith|sort\s(?:out\s)?|clear\s(?:out\s)?|worry\sabout|pay\sfor|clean\sup)\s"
        r"(?:\w+\s){0,3}?(?:after|afterwards|when\si'?m|once\si'?m)\b"
        r"|\b(?:put\w*|get\w*|got|set\w*)\s(?:everything|things|it\sall|all\smy\sthings)\sin\sorder\b(?=[^.!?]*\b(?:for"
        r"\sthem|after|afterwards|for\swhen|so\s(?:it'?s|they|nobody|no\sone)))",
        sentence=_EXPLAINED_ABSENCE
        + r"|\b(?:maternity|job|project|office|desk|handover|contract|divorce|case|house\ssale|shift|move)\b",
    ),
    _rule(
        "preparation",
        r"\b(?:say\w*|said)\s(?:my\s)?(?:goodbyes?|farewells?)\b[^.!?]{0,40}?\b(?:without\s(?:them|him|her|anyone|people"
        r"|anybody)\s(?:knowing|realis\w*|realiz\w*)|they\s(?:just\s)?(?:don'?t|didn'?t)\s(?:know|realise|realize)"
        r"|in\smy\s(?:own|head)\sway|quietly|secretly)",
    ),
    # --- attempt: a past attempt
    _rule(
        "attempt",
        r"\b(?:suicide|overdose)\sattempts?\b|\battempt(?:ed|ing|s)?\s(?:suicide|to\s(?:kill|end|take|hang|overdose"
        r"|drown))\b|\bsurvived\s(?:an|my|the|a|\w+)\s(?:suicide\s)?attempts?\b|\battempts?\son\s<POSS>\s(?:own\s)?life\b",
    ),
    _rule(
        "attempt",
        r"\bmy\s(?:[\w-]+\s)?attempts?\b",
        after=r"^\s(?:at\s(?!\d|suicide)|to\s(?!kill|end|die|take)|on\s(?!my\slife)|in\s(?:the\s)?(?:exam|test|class"
        r"|court|driving))",
        before=r"\b(?:leav\w*|escape|custody|court|job|exam|test|driving)\b[^.!?]*$",
    ),
    _rule("attempt", r"\b(?:last|first|second|third|other)\stime\si\stried\b(?!\s(?:to|it|that|this|on)\b)"),
    _rule("attempt", r"\bpump\w*\s<POSS>\sstomach\b", others="other"),
    _rule(
        "attempt",
        r"\bgarage\b[^.!?]{0,40}?\b(?:engine|car)\s(?:running|on)\b|\b(?:hose(?:pipe)?|tube)\s(?:to|from|in|into)\sthe"
        r"\sexhaust\b",
    ),
    _rule(
        "method",
        r"\boverdos\w*|(?<![\w'])od(?:'?d|'?ing|-ing|ed|s)?(?![\w'])|(?<![\w'])o\.d\.",
        after=r"^\s(?:of|on)\s(?!(?:my|her|his|their)\b)(?!(?:<W>){0,2}?<DRUG>\b)",
    ),
    _rule(
        "attempt",
        r"\bfound\sme\s(?:just\s)?(?:in\stime|before\sit\swas\stoo\slate)\b|\bfound\s(?:me\s)?(?:\w+\s)?(?:unconscious"
        r"|unresponsive|not\sbreathing)\b(?=[^.!?]*\b(?:after\s(?:taking|swallowing|i\s(?:took|swallowed|drank))|pills"
        r"|tablets|overdose|bath|garage|rope))"
        r"|\b(?:wasn'?t|was\snot|weren'?t)\s(?:supposed|meant|expected)\sto\s(?:wake\sup|survive|make\sit|pull\sthrough"
        r"|still\sbe\s(?:here|alive))\b",
        sentence=r"\b(?:birth|born|premature|surgery|operation|cancer|accident|crash|sepsis|infection|illness|stroke"
        r"|heart\sattack|covid|(?:he|she|they)\s(?:beat|choked|strangled|stabbed|hit|attacked|kicked))\b",
    ),
    _rule(
        "attempt",
        r"\battempted\b(?=\s*(?:[.!?;]|$|(?:when|in|at|last|twice|three|several|again|before|after|once|while|during"
        r"|back|aged?|years?)\b))",
    ),
    # --- self_injury: cutting, burning, scratching, hitting oneself
    _rule(
        "self_injury",
        r"\bself[\s-]?(?:harm\w*|injur\w*|mutilat\w*)|\bnssi\b",
        before=r"\bnever\s(?:ever\s)?(?:been\s)?$",
    ),
    _rule(
        "self_injury",
        r"\b(?:start(?:ed|ing|s)?|began|begin|stop(?:ped|ping|s)?|quit|relaps\w*\son|been|keep|kept|still|urges?\sto"
        r"|need\sto|want(?:ed)?\sto|wanna|resist(?:ed|ing)?|used\sto|go\sback\sto|went\sback\sto|back\sto"
        r"|addicted\sto)\s(?:\w+\s)?cut(?:ting|s)?\b",
        after=_CUT_FIGURATIVE,
    ),
    _rule(
        "self_injury",
        r"\bi\s(?:\w+\s)?cut\sagain\b|\bcutting\sagain\b",
        before=r"\b(?:power|electric\w*|gas|water|internet|wifi|broadband|benefits|hours|money|funding)\s(?:\w+\s)?$",
    ),
    _rule(
        "self_injury",
        r"\bcut(?:ting|s)?\s?<ANYSELF>",
        after=r"^\s(?:off|down|out|short|some|a\s(?:break|slice|piece)|free|loose|slack)\b|" + _ACCIDENT,
    ),
    _rule(
        "self_injury",
        r"\bcut(?:ting|s)?\s(?:into\s)?<POSS>\s<BODY>\b",
        after=_ACCIDENT + r"|^\sopen\son",
        others="drop",
    ),
    _rule(
        "self_injury",
        r"\bcutting\b(?=\s(?:is|was|has\sbeen|became|helps?|helped|felt|feels|gave|gives|made|makes)\b[^.!?]{0,30}?"
        r"\b(?:cop(?:e|ed|ing)|control|relief|release|numb|feel|habit|secret|addict\w*|only\sthing))",
    ),
    _rule(
        "self_injury",
        r"\b(?:cuts|scars|scabs|wounds)\s(?:on|across|up|down)\s(?:both\s)?(?:my|her|his|their)\s<BODY>\b"
        r"|\b(?:self[\s-]?harm|wrist|cutting)\s(?:scars?|cuts?)\b",
        after=r"^[^.!?]*\b(?:(?:he|she)\s(?:gave|left|made|did)|from\s(?:his|her|the\s(?:fall|accident|cat|dog"
        r"|surgery|operation|crash|glass)))\b",
    ),
    _rule(
        "self_injury",
        r"\bburn(?:ing|ed|t|s)?\s(?:<MYSELF>|my\s<BODY>\b)",
        after=_ACCIDENT + r"|^\s(?:out|badly\son)\b",
        others="drop",
    ),
    _rule(
        "self_injury",
        r"\bscratch(?:ing|ed|es)?\s(?:at\s)?(?:<MYSELF>|my\s<BODY>\b)",
        after=_ACCIDENT + r"|^\sin\smy\ssleep",
        others="drop",
    ),
    _rule("self_injury", r"\b(?:dig|dug|digging)\s(?:my\s)?nails\sinto\smy\s(?:<BODY>|palms?)\b"),
    _rule(
        "self_injury",
        r"\b(?:hit(?:ting|s)?|punch(?:ing|ed|es)?|slap(?:ping|ped|s)?|bit(?:ing|e|es)?|smack\w*|beat(?:ing)?)\s"
        r"(?:<MYSELF>|my\s<BODY>\b)",
        after=r"^\s(?:up|on|against|getting|while|with\sthe\sdoor)\b(?![^.!?]*\bon\spurpose)|^\sin\sthe\sfoot",
        others="drop",
    ),
    _rule(
        "self_injury",
        r"\b(?:hit|hitting|bang\w*|bash\w*|smash\w*)\s(?:my\s)?head\s(?:against|on|into)\s(?:the\s|a\s)?(?:wall|floor"
        r"|door|desk|table|mirror)\b(?=[^.!?]*\b(?:on\spurpose|until|over\sand\sover|again\sand\sagain|so\s(?:he|she|i)"
        r"|to\s(?:make|stop|feel)))",
        before=r"\blike\s(?:<W>)?$",
        others="drop",
    ),
    _rule(
        "self_injury",
        r"\b(?:punch\w*|hit\w*|bang\w*|kick\w*)\s(?:the\s)?walls?\b[^.!?]{0,30}?\buntil\b",
        others="drop",
    ),
    _rule(
        "self_injury",
        r"\bpull\w*\s(?:out\s)?my\s(?:hair|eyelashes|lashes)\s(?:out\s)?(?:until|till|so\shard|in\sclumps)|\bbald\spatches\b"
        r"|\b(?:fresh|new|more|\d+|two|three|four|five|six|seven|eight|nine|ten|deep)\scuts\s(?:tonight|today|last\snight"
        r"|this\s(?:morning|week)|on\smy|again)\b",
    ),
    _rule(
        "self_injury",
        r"\bharm(?:ing|ed|s)?\s<MYSELF>",
        before=r"\b(?:never|n'?t|not)\s(?:<W>){0,2}$",
        after=r"^\s(?:by|emotionally|financially)\b",
    ),
    _rule("self_injury", r"\bcarv(?:e|ed|ing|es)\s(?:<W>){0,3}?(?:into|on)\s<POSS>\s<BODY>\b"),
    _rule("self_injury", r"\bstarv(?:e|ed|es|ing)\s<ANYSELF>"),
    _rule("self_injury", r"\bmy\srazor\sblades?\b"),
    _rule(
        "self_injury",
        r"\b(?:blades?|razors?)\b[^.!?]{0,50}?(?:for\s(?:when|if|the\sbad)|in\scase|too\smuch|bad\s(?:nights|days))",
    ),
    # Injury until the skin breaks, punishing oneself, a body part hurt on purpose.
    _rule(
        "self_injury",
        r"\b(?:scratch\w*|pick\w*|bit(?:e|es|ing)?|dig\w*|dug|pinch\w*|claw\w*|hit\w*|punch\w*|press\w*|rub\w*"
        r"|pull\w*)\b(?!\s(?:me|us|him|her|them|the\skids)\b)[^.!?]{0,40}?\b(?:until|till|til|'?til)\s(?:i|it|they|the"
        r"\sskin|my\s\w+)\s(?:bleed|bled|bleeds|bruise[ds]?|break|breaks|broke|split|splits|tear|tears|burn|burns"
        r"|raw)\b",
        others="drop",
    ),
    _rule(
        "self_injury",
        r"\b(?:press\w*|push\w*|sink\w*|sank|jab\w*)\s(?:my\s)?(?:finger)?nails\s(?:in(?:to)?\s)?(?:my\s)?(?:<BODY>|palms?)"
        r"|\bpunish\w*\s<MYSELF>\s(?:with|by)\s(?:a\s|the\s|my\s)?(?:lighter|blades?|razors?|knife|cutting|burning"
        r"|hitting|scratching|belt|cigarettes?|starving|bruis\w*|pain)\b",
    ),
    _rule(
        "self_injury",
        r"\b(?:burn\w*|cut|cutting|scald\w*|press\w*|held|hold\w*|put|stub\w*|hit\w*|slam\w*|bang\w*|smash\w*|stuck"
        r"|jab\w*|stab\w*)\s(?:\w+\s){0,3}?(?:my\s)?(?:<BODY>|fingers?|knuckles|head)\b[^.!?]{0,40}?\b(?:on\spurpose"
        r"|deliberately|intentionally)\b",
        others="drop",
    ),
    _rule(
        "self_injury",
        r"\b(?:hurt|harm)(?:ing|s|ed)?\s(?:him|her|them)sel(?:f|ves)\b",
        after=_ACCIDENT + r"|^\s(?:by|emotionally|over|more|with\s(?:drink|alcohol|work))\b",
    ),
    # --- slang
    _rule(
        "slang",
        r"\bun-?aliv\w*|\bsewer\s?slid\w*|\bself[\s-]?delet\w*|\bdelet(?:e|ing)\s<MYSELF>|\bend(?:ing)?\s<MYSELF>",
    ),
    _rule("slang", r"\byeet(?:ing)?\s<MYSELF>"),
    _rule(
        "slang",
        r"(?<!\w)(?:kms|kys|ctb)(?!\w|'\w)",
        before=r"(?:\d|\b(?:few|many|several|hundred|thousand|ten|five|two|three|twenty|fifty))\s?$",
    ),
    _rule("slang", r"(?<![\w*'/])s/?h(?![\w*'/])"),
    _rule(
        "slang",
        r"\bsui[\s-]?(?:ideation|thoughts?|attempts?|urges?|feelings?)\b|\b(?:having|had|have|has|my|with|passive"
        r"|active|constant|experiencing)\s(?:passive\s|active\s|bad\s|some\s)?si\b(?!\s(?:units?|prefix|joint)\b)"
        r"|(?<![\w'])si\s(?:again|is\sback|thoughts|urges|today|tonight|all\s(?:week|day))\b",
    ),
    # --- other_person: someone else's suicide threats, or an abuser urging suicide
    _rule(
        "other_person",
        r"\b(?:threat\w*|say|said|says|saying|told\sme|tell\sme|swore|swear\w*|texted|posted|messaged)\s(?:that\s)?"
        r"(?:he|she|they)(?:'?d|\swould|\swill|'?ll|\swas\sgoing\sto|'?s\sgoing\sto|\sis\sgoing\sto|\swere\sgoing\sto)"
        r"\s(?:just\s)?(?:jump|kill\s(?:him|her|them)sel\w+|end\sit|end\s(?:his|her|their)\slife|take\san\soverdose"
        r"|overdose|hang\s(?:him|her)self|do\ssomething\sstupid|drive\sinto|crash|swallow|top\s(?:him|her)self)\b",
    ),
    _rule(
        "other_person",
        r"\b(?:told|tells|telling|texted|said|says|screamed|shouted|yelled|wrote|messaged|urged)\s(?:me\s)?(?:to\s)?"
        r"['\"]?(?:go\s|just\s)?(?:kill\syourself|go\s(?:and\s)?die)\b|\bkill\s(?:me|us|the\skids|my\s\w+)\s(?:and\s)?(?:then\s)?"
        r"(?:him|her|them)sel(?:f|ves)\b",
    ),
    _rule(
        "other_person",
        r"\bthreat\w*\sto\s(?:kill\s(?:him|her|them)sel\w+|end\s(?:his|her|their)\s(?:own\s)?life|take\s(?:an\soverdose"
        r"|all\s(?:of\s)?(?:his|her|their)\s(?:pills|tablets|meds)|(?:his|her|their)\s(?:own\s)?(?:life|pills|tablets)"
        r"|pills|tablets)|overdose|od\b|jump\s(?:off|from|in\sfront)|hang\s(?:him|her)self|throw\s(?:him|her)self"
        r"|drown\s(?:him|her)self|slit\s(?:his|her)|cut\s(?:him|her)self|hurt\s(?:him|her)self|harm\s(?:him|her)self"
        r"|do\ssomething\sstupid)",
    ),
    _rule(
        "other_person",
        r"\b(?:told|tell|tells|telling|said|say|says|screamed|shouted|yelled|texted|text|texts|wrote|write|messaged)\s"
        r"(?:me\s)?(?:that\s)?i\s(?:should|ought\sto|might\sas\swell|could|had\sto)\s(?:just\s|go\s(?:and\s)?)?(?:die"
        r"|drop\sdead|kill\s<MYSELF>|end\s(?:it|my\slife)|do\s(?:everyone|the\sworld|us\sall|them\sall|him)\sa\sfavou?r"
        r"\sand\s(?:just\s|go\s)?(?:die|kill|disappear|end|top|hang|jump|drop\sdead))\b",
    ),
    _rule(
        "wish",
        r"\b<NOT>\s(?:really\s)?(?:want|wanna)\s(?:to\s)?(?:do\s(?:life|this\slife)|be\s(?:in\sthis\sworld|on\sthis"
        r"\s(?:earth|planet)))\b"
        r"|\b(?:want|wanna|need|get|way)\w*\s(?:\w+\s){0,3}?out\sof\s(?:life|this\s(?:life|world)|existence|being\salive)\b"
        r"|\bout\sof\s(?:life|this\slife|existence),?\s(?:for\sgood|forever|permanently)\b"
        r"|\b(?:hop\w*|pray\w*|wish\w*|want\w*)\b[^.!?]{0,30}?\bmy\s(?:heart|body|lungs)\s(?:just\s|would\s|will\s|'?d\s)?"
        r"(?:gives?\sup|stops?|stopped|fails?|gave\s(?:up|out)|gives?\sout)\b(?!\s(?:racing|pounding|hurting|aching|beating))",
    ),
    _rule(
        "method",
        r"\b(?:look\w*|star\w*|gaz\w*|peer\w*)\s(?:down\s)?(?:at|over|into)\s(?:the\s)?(?:drop\b(?=\s(?:from|off|below|down"
        r"|over)|\s*[.!?,]|$)|water\sbelow|traffic\sbelow|(?:train\s)?tracks\b)",
    ),
    _rule(
        "method",
        r"\b(?:drank|drink\w*|swallow\w*|took|taken|down\w*)\s(?:some\s|a\s\w+\sof\s|the\s)?(?:bleach|antifreeze"
        r"|weedkiller|rat\spoison|poison|drain\scleaner|paraquat)\b",
    ),
    _rule(
        "intent",
        r"\b(?:won'?t|wont|will\snot|not\sgoing\sto|don'?t\splan\sto|do\snot\splan\sto)\s(?:make\sit\sto|live\sto\ssee"
        r"|be\salive\s(?:for|at|by|on)|see\smy\s(?:\d+\w*|next\sbirthday))\s(?:christmas|my\s(?:\d+\w*|next|birthday)"
        r"|next\s(?:year|week|month|christmas|birthday)|the\s(?:weekend|new\syear|end\sof\s(?:the\s)?(?:week|month|year))"
        r"|new\syear|(?:\d+|thirty|forty|fifty|twenty)\b|birthday)?",
        after=r"^\s(?:with|at|because)\b",
    ),
    _rule(
        "preparation",
        r"\bcollect(?:ing|ed)\s(?:up\s)?(?:all\s|some\s)?(?:of\s)?(?:my\s|the\s|her\s|his\s)?(?:<W>){0,2}?(?!prescription\b)"
        r"<DRUG>\b(?!\s(?:from|at|on|every|each|this|today|tomorrow|later|for\s(?:my\s)?(?:mum|mom|dad|nan|gran)))"
        r"|\b<DRUG>\s(?:\w+\s)?(?:put|set|kept|hidden|tucked)\s(?:aside|away)\b"
        r"|\b<DRUG>\b[^.!?]{0,30}?\binstead\sof\s(?:taking|swallowing)\s(?:them|it)\b"
        r"|\barrang\w*\sfor\s(?:the|my)\s(?:cat|dog|kids|pets?|children|rabbits?|birds?)\sto\s(?:go|be\s(?:looked\safter"
        r"|taken|fed)|live|stay)\b(?=[^.!?]*\b(?:afterwards|for\safter|permanently|for\sgood|forever))",
        others="drop",
    ),
    _rule(
        "attempt",
        r"\bwhat\si\s(?:did|tried\sto\sdo|had\sdone)\sto\s<MYSELF>"
        r"|\b(?:tried|attempted|went)\sto\sjump\b(?!\s(?:in|on|into|at|to|ship|the\squeue|up|ahead|back|out|through|over"
        r"|for|higher|from\sjob))"
        r"|\bpulled\sme\s(?:back\s)?(?:off|from)\s(?:the\s)?(?:edge|ledge|bridge|railings?|tracks|platform|roof|balcony)\b",
        after=r"^\s(?:by|staying|emotionally|in\sthat|for\s(?:years|so\slong))\b",
    ),
    _rule(
        "self_injury",
        r"\b(?:clean|free|sober)\s(?:from|of)\s(?:cutting|self[\s-]?harm\w*|sh|burning|hurting\smyself)\b"
        r"|\b(?:days?|weeks?|months?|years?)\s(?:clean\s)?(?:without|since|of\sno)\s(?:cutting|self[\s-]?harm\w*"
        r"|hurting\smyself)\b",
    ),
    _rule(
        "other_person",
        r"\b(?:lock\w*|shut\w*|barricad\w*|threaten\w*|hid\w*)\s(?:him|her|them)sel(?:f|ves)\b[^.!?]{0,40}?\bwith\s"
        r"(?:a\s|the\s|his\s|her\s|my\s)?(?:razor|blades?|knife|rope|pills|tablets|gun|belt)\b",
    ),
)

# --- Context: who is speaking, sentences, advice to others ---------------------------------------------

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)|[.!?\n]+")
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|i'll)\b")
_FIRST_PERSON_ANY = re.compile(r"\b(?:i|i'?m|im|i'?ve|ive|i'?d|i'?ll|me|my|myself|mine)\b")
_THIRD_PERSON = re.compile(
    r"\b(?:he|she|they|he's|she's|he'd|she'd|he'll|she'll|they'd|they're|they've|hes|shes)\b"
    # A relative counts as the subject only where a subject stands (not "I said goodbye to my mum").
    r"|(?:^\s*|\b(?:and|but|so|when|because|then|after|before|until|since|while|that)\s|,\s)"
    r"(?:my|his|her|our|their|a)\s(?:(?:best|older|younger|little|big|late|twin)\s)?(?:ex\b(?:-\w+)?|step-?\w+"
    r"|dad|father|mum|mom|mother|brother|sister|son|daughter|friend|mate|cousin|uncle|aunt|auntie|partner|husband"
    r"|wife|boyfriend|girlfriend|flatmate|roommate|housemate|grandad|granddad|grandfather|grandma|grandmother|nan"
    r"|niece|nephew|colleague|neighbou?r|child|kid|fianc\w*|bf|gf)s?\b"
)
# Someone else's self: "himself", "her own life", "his wrists", "her suicide note".
_OTHER_SELF = re.compile(
    r"\b(?:him|her|them)sel(?:f|ves)\b"
    r"|\b(?:his|her|their)\s(?:own\s)?(?:life|wrists?|suicide|pills|stomach|arms?|legs?|thighs?|skin)\b"
)
# "my" is left out: in "he hid my pills" the one acting is still he.
_WRITER_IN_MATCH = re.compile(r"\b(?:i|i'?m|im|i'?ve|ive|i'?d|i'?ll|me|myself|kms)\b|my\s?self")
_OPEN_QUOTE = re.compile(r"(?:^|[\s(:,])['\"](?=\w)")
_CLOSE_QUOTE = re.compile(r"\w[.,!?]?['\"](?=[\s.,!?]|$)")
# Advice to others that points to help is support, not risk.
_SECOND_PERSON = re.compile(r"\b(?:you|you'?re|your|yourself|you'?ve|anyone(?!\selse)|anybody(?!\selse))\b")
_SUPPORT = re.compile(
    r"\b(?:call|ring|text|contact|crisis|helpline|hotline|samaritans|shout|988|116\s?123|999|111|911|gp|doctor"
    r"|reach\sout|talk\sto|speak\sto|get\shelp|seek\shelp|please|support|line)\b"
)
_FUTURE_BEFORE = re.compile(
    r"(?:going\sto|gonna|about\sto|ready\sto|plan(?:ning)?\s(?:to|on)|intend(?:ing)?\sto|decided\sto|'ll|\bwill"
    r"|so\sclose\sto|\bthe\s(?:day|night)\si)\s"
    r"(?:(?:just|finally|really|actually|definitely|go\sand|then|probably|do)\s)*$"
)
_PROGRESSIVE_BEFORE = re.compile(r"\bi'?m\s(?:\w+\s)?$")
_SOON = re.compile(
    r"\b(?:tonight|tomorrow|today|this\s(?:weekend|week|evening|morning|afternoon)|next\sweek|by\s(?:monday|tuesday"
    r"|wednesday|thursday|friday|saturday|sunday|the\sweekend|morning))\b"
)
_TRIED_BEFORE = re.compile(r"\b(?:tried|attempted|try|trying|almost|nearly)\s(?:to\s)?(?:\w+\s)?$")
_PAST_ACT = re.compile(
    r"^(?:jumped|stepped|swallowed|drank|took|taken|slit|slashed|overdosed|od'?d|oded|hanged|drowned|threw|crashed|drove)\b"
)
# Words that start an act (not "survive", "think"): only these turn into intent with "going to".
_ACT = re.compile(
    r"(?:end|kill|tak|took|die|jump|hang|overdos|od\b|swallow|cut|kms|kys|unaliv|drown|shoot|step|walk|driv|crash|slit"
    r"|top|yeet|delet|do\b|ready\sto\sdie)"
)
_PAST_TIME = re.compile(
    r"\b(?:the\s(?:night|day|summer|year|week)\s(?:he|she|they|i|my|after|before)|last\s(?:year|time|spring|summer"
    r"|autumn|winter)|when\si\swas|in\s(?:19|20)\d\d|ago|at\s\d+\b|woke\sup|after\staking|after\s(?:he|she)\sleft)"
)
_OTHER_POSSESSIVE_BEFORE = re.compile(r"\b(?:his|her|their)\s$")
_PAST_BEFORE = re.compile(r"\b(?:took|had|after|for|survived|from|an)\s(?:an\s)?$")


def _speaker_is_other(prefix):
    """Whether the last subject before a match is someone else ("he said he'd ...", "my dad ..."), looking
    past an open quotation to whoever is quoted."""
    opening = None
    for m in _OPEN_QUOTE.finditer(prefix):
        opening = m
    if opening and not _CLOSE_QUOTE.search(prefix, opening.end()):
        return True if _THIRD_PERSON.search(prefix[: opening.start()]) else _speaker_is_other(prefix[: opening.start()])
    last_first = max((m.end() for m in _FIRST_PERSON.finditer(prefix)), default=-1)
    last_third = max((m.end() for m in _THIRD_PERSON.finditer(prefix)), default=-1)
    return last_third > last_first


def _family(rule, matched, prefix, sentence):
    """The family of one match in context, or None when it is said of someone else in a way that is not
    this flag (a threat to the writer)."""
    family = rule.family
    if family == "other_person":
        return family
    if _OTHER_SELF.search(matched) or _OTHER_POSSESSIVE_BEFORE.search(prefix):
        return "other_person"
    if not _WRITER_IN_MATCH.search(matched) and _speaker_is_other(prefix):
        return None if rule.others == "drop" else "other_person"
    if family in ("wish", "thoughts", "method", "slang", "self_injury", "attempt") and _ACT.match(matched):
        if _FUTURE_BEFORE.search(prefix):
            return "intent"
        if _PROGRESSIVE_BEFORE.search(prefix) and matched.startswith(("ending", "killing")) and _SOON.search(sentence):
            return "intent"
    if family in ("wish", "thoughts", "method", "slang") and (
        _TRIED_BEFORE.search(prefix)
        or _PAST_ACT.match(matched)
        or (matched.startswith("overdos") and _PAST_BEFORE.search(prefix))
        or (family == "method" and _ACT.match(matched) and _PAST_TIME.search(sentence))
    ):
        return "attempt"
    return family


def _is_advice_to_others(sentence):
    return bool(
        _SECOND_PERSON.search(sentence) and _SUPPORT.search(sentence) and not _FIRST_PERSON_ANY.search(sentence)
    )


def _screening_answered_no(prefix, suffix):
    """A routine screening question answered no ("My doctor asked if I'd ever thought about suicide and I
    said no")."""
    return bool(
        re.search(r"\basked\s(?:me\s)?(?:if|whether)\b", prefix)
        and re.match(r"^[^.!?]*?\band\si\s(?:said|told\s\w+|answered)\s(?:no|that\si\s(?:wasn'?t|hadn'?t))", suffix)
    )


# --- The API -------------------------------------------------------------------------------------------


def self_harm_matches(text):
    """[SelfHarmMatch(start, end, family)] for each warning sign in `text`, in order and without overlaps;
    positions are in the ORIGINAL text, so a moderator's view can highlight the very characters."""
    if not text:
        return []
    normal = _normalise(text)
    norm = str(normal)
    sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(norm)]
    starts = [start for start, _ in sentences]
    found = []
    for rule in _RULES:
        for m in rule.pattern.finditer(norm):
            if m.end() == m.start():
                continue
            index = max(bisect.bisect_right(starts, m.start()) - 1, 0)
            s_start, s_end = sentences[index] if sentences else (0, len(norm))
            sentence = norm[s_start:s_end]
            prefix, suffix = norm[s_start : m.start()], norm[m.end() : max(s_end, m.end())]
            if rule.before and rule.before.search(prefix):
                continue
            if rule.after and rule.after.match(suffix):
                continue
            if rule.sentence and rule.sentence.search(sentence):
                continue
            if _is_advice_to_others(sentence) or _screening_answered_no(prefix, suffix):
                continue
            family = _family(rule, m.group(), prefix, sentence)
            if family:
                found.append((m.start(), m.end(), family))
    # Overlapping matches become one, named by the most urgent family among them.
    merged = []
    for start, end, family in sorted(found):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            best = min(last[2], family, key=_PRIORITY.__getitem__)
            merged[-1] = (last[0], max(last[1], end), best)
        else:
            merged.append((start, end, family))
    return [SelfHarmMatch(*normal.original_span(start, end), family) for start, end, family in merged]


def flag_self_harm(text):
    """The text suggests suicide or self-harm: moderators see it first (and gently)."""
    return bool(self_harm_matches(text))


def states_intent_or_plan(text):
    """Intent, timing, preparations or a method of the writer's own: the care step then puts "contact the
    writer" first. (A method said of someone else is other_person, never method.)"""
    return any(m.family in ("intent", "preparation", "method") for m in self_harm_matches(text))
