"""Path converters shared by the apps' URLconfs (registered in config/urls.py)."""


class IdConverter:
    """A primary key: 1 to 18 digits. Longer numbers could overflow a 64-bit id in the database: they
    match no URL (a 404) before any query is made."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)
