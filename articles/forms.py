"""The article editor's image upload (markdownx's form, with the checks it lacks)."""

import warnings

from django import forms
from django.conf import settings
from markdownx.forms import ImageForm
from PIL import Image, UnidentifiedImageError

NOT_AN_IMAGE = "This file is not a PNG or JPEG image (or it is damaged). Please choose another file."
TOO_LARGE = (
    "This image is too large: it has more than {limit} million pixels. Please make it smaller "
    "(for example 4000 × 3000 pixels) and upload it again."
)


class ArticleImageForm(ImageForm):
    """markdownx trusts the browser's content type and resizes whatever Pillow opens: here the file must
    really be a PNG or JPEG, and small enough in pixels to be resized without exhausting memory (a
    20,000 × 20,000 PNG weighs a few kilobytes and decodes to 400 megapixels)."""

    def clean(self):
        upload = super().clean()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                # Reads the header only: the pixels are decoded later, by markdownx, once the size is known.
                with Image.open(upload) as image:
                    image_format, (width, height) = image.format, image.size
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise self._too_large() from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise forms.ValidationError({"image": NOT_AN_IMAGE}) from None
        finally:
            upload.seek(0)
        if image_format not in ("PNG", "JPEG"):
            raise forms.ValidationError({"image": NOT_AN_IMAGE})
        if width * height > settings.MARKDOWN_IMAGE_MAX_PIXELS:
            raise self._too_large()
        return upload

    @staticmethod
    def _too_large():
        limit = settings.MARKDOWN_IMAGE_MAX_PIXELS // 1_000_000
        return forms.ValidationError({"image": TOO_LARGE.format(limit=limit)})
