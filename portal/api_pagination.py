"""Pagination of every API list: ``?page=2&page_size=50`` (at most 100 a page), with the total count (exact up to
10,000, estimated beyond)."""

from rest_framework import pagination

from .paginator import LargeTablePaginator


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
    django_paginator_class = LargeTablePaginator  # exact counts up to 10,000, the planner's estimate beyond
