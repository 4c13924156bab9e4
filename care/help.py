"""Help resources (crisis lines, domestic-abuse helplines, emergency numbers) from content/help.yaml.

Read and checked once per process; every page that shows help renders these same objects.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

HELP_FILE = Path(settings.BASE_DIR) / "content" / "help.yaml"

# "+" and an international number, or the digits as dialled inside the country (short codes such as
# 988 and 116123, and Australian 13/1800 numbers, which have no international form).
DIAL = re.compile(r"\+[1-9]\d{6,14}|\d{3,10}")
REGION_CODE = re.compile(r"[a-z]{2}")
SMS_BODY = re.compile(r"[A-Za-z0-9 ]{1,40}")


class HelpFileError(ImproperlyConfigured):
    """The help file is missing, not YAML, or has an entry that is not a usable resource."""


@dataclass(frozen=True)
class Emergency:
    number: str
    where: str

    @property
    def tel(self):
        return f"tel:{self.number}"


@dataclass(frozen=True)
class Resource:
    name: str
    purpose: str
    phone: str
    dial: str
    url: str
    hours: str = ""
    sms_number: str = ""
    sms_body: str = ""

    @property
    def tel(self):
        return f"tel:{self.dial}"

    @property
    def sms(self):
        if not self.sms_number:
            return ""
        return f"sms:{self.sms_number}" + (f"?body={quote(self.sms_body)}" if self.sms_body else "")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    resources: tuple


@dataclass(frozen=True)
class Elsewhere:
    name: str
    purpose: str
    url: str

    @property
    def host(self):
        return urlsplit(self.url).netloc.removeprefix("www.")


@dataclass(frozen=True)
class TalkNowLine:
    """A line anyone struggling can call now, and the regions it serves."""

    resource: Resource
    where: tuple


@dataclass(frozen=True)
class HelpResources:
    emergency: tuple
    regions: tuple
    elsewhere: Elsewhere

    @property
    def resource_count(self):
        return sum(len(region.resources) for region in self.regions)

    @property
    def talk_now(self):
        """The first line of each region (help.yaml lists first the one for anyone struggling), one entry
        per service: Samaritans serves the UK and Ireland on the same number. For people who may be at risk,
        every country's line is shown; a guess from the browser's language could hide theirs."""
        lines = {}
        for region in self.regions:
            line = region.resources[0]
            key = (line.name, line.dial)
            lines[key] = TalkNowLine(line, (*lines[key].where, region.name) if key in lines else (region.name,))
        return tuple(lines.values())


def _text(entry, key, where, required=True):
    value = entry.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str | int) or not str(value).strip():
        raise ValueError(f"{where}: '{key}' is missing or empty")
    return str(value).strip()


def _dial(value, where):
    if not DIAL.fullmatch(value):
        raise ValueError(f"{where}: {value!r} is not a number to dial ('+' and 7-15 digits, or 3-10 digits)")
    return value


def _url(value, where):
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"{where}: {value!r} is not an https:// address")
    return value


def _mapping(value, where):
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a mapping")
    return value


def _list(value, where):
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where}: expected a non-empty list")
    return value


def _resource(entry, where):
    entry = _mapping(entry, where)
    sms = entry.get("sms") or {}
    sms = _mapping(sms, f"{where}.sms")
    sms_number = _dial(_text(sms, "number", f"{where}.sms"), f"{where}.sms.number") if sms else ""
    sms_body = _text(sms, "body", f"{where}.sms", required=False)
    if sms_body and not SMS_BODY.fullmatch(sms_body):
        raise ValueError(f"{where}.sms.body: {sms_body!r} should be a short word such as START")
    return Resource(
        name=_text(entry, "name", where),
        purpose=_text(entry, "for", where),
        phone=_text(entry, "phone", where),
        dial=_dial(_text(entry, "dial", where), f"{where}.dial"),
        url=_url(_text(entry, "url", where), f"{where}.url"),
        hours=_text(entry, "hours", where, required=False),
        sms_number=sms_number,
        sms_body=sms_body,
    )


def parse(data):
    """HelpResources from the YAML's data; ValueError naming the bad entry."""
    data = _mapping(data, "file")
    unknown = set(data) - {"emergency", "regions", "elsewhere"}
    if unknown:
        raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
    emergency = tuple(
        Emergency(
            number=_dial(_text(_mapping(e, f"emergency[{i}]"), "number", f"emergency[{i}]"), f"emergency[{i}].number"),
            where=_text(e, "where", f"emergency[{i}]"),
        )
        for i, e in enumerate(_list(data.get("emergency"), "emergency"))
    )
    regions = []
    for i, entry in enumerate(_list(data.get("regions"), "regions")):
        where = f"regions[{i}]"
        entry = _mapping(entry, where)
        code = _text(entry, "code", where)
        if not REGION_CODE.fullmatch(code):
            raise ValueError(f"{where}.code: {code!r} should be two lower-case letters")
        resources = tuple(
            _resource(r, f"{where}.resources[{j}]")
            for j, r in enumerate(_list(entry.get("resources"), f"{where}.resources"))
        )
        regions.append(Region(code=code, name=_text(entry, "name", where), resources=resources))
    codes = [region.code for region in regions]
    if len(set(codes)) != len(codes):
        raise ValueError(f"regions: duplicate codes {sorted({c for c in codes if codes.count(c) > 1})}")
    elsewhere = _mapping(data.get("elsewhere"), "elsewhere")
    return HelpResources(
        emergency=emergency,
        regions=tuple(regions),
        elsewhere=Elsewhere(
            name=_text(elsewhere, "name", "elsewhere"),
            purpose=_text(elsewhere, "for", "elsewhere"),
            url=_url(_text(elsewhere, "url", "elsewhere"), "elsewhere.url"),
        ),
    )


def load(path=HELP_FILE):
    """Reads and checks a help file; HelpFileError (naming the file and the entry) when it is unusable."""
    path = Path(path)
    try:
        return parse(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValueError) as error:
        raise HelpFileError(f"{path.name}: {error}") from error


@functools.cache
def resources():
    """The site's help resources, read once per process."""
    return load()
