"""Serves Bootstrap from the xstatic-bootstrap Python package under static/bootstrap/ (no CDN)."""

from django.contrib.staticfiles.finders import FileSystemFinder
from xstatic.pkg import bootstrap


class XStaticBootstrapFinder(FileSystemFinder):
    def __init__(self, app_names=None, *args, **kwargs):
        # Bypass FileSystemFinder's reading of STATICFILES_DIRS: we own exactly one location.
        self.locations = [("bootstrap", bootstrap.BASE_DIR)]
        from django.core.files.storage import FileSystemStorage

        storage = FileSystemStorage(location=bootstrap.BASE_DIR)
        storage.prefix = "bootstrap"
        self.storages = {bootstrap.BASE_DIR: storage}

    def check(self, **kwargs):
        return []
