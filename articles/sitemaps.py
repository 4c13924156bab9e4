from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Article.objects.published().order_by("published_at")

    def lastmod(self, item):
        return item.updated_at


class ArticleFAQSitemap(ArticleSitemap):
    priority = 0.6

    def location(self, item):
        return item.get_faq_url()


class StaticSitemap(Sitemap):
    priority = 0.5

    def items(self):
        return ["articles:home", "articles:faq_index"]

    def location(self, item):
        return reverse(item)


sitemaps = {"static": StaticSitemap, "articles": ArticleSitemap, "faqs": ArticleFAQSitemap}
