from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def help_page(request):
    return render(request, "care/help.html")
