"""Search's route, named ``search`` in the project's URLconf (no app namespace): the header's
search box on every page posts to it."""

from django.urls import path

from children import search_views

urlpatterns = [
    path("search/", search_views.search, name="search"),
]
