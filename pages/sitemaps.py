from django.contrib.sitemaps import Sitemap

from .models import Page


class PageSitemap(Sitemap):
    changefreq = "yearly"
    priority = 0.3

    def items(self):
        return Page.objects.order_by("id")

    def lastmod(self, item):
        return item.updated_at
