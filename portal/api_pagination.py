"""Pagination of every API list: ``?page=2&page_size=50`` (at most 100 a page), with the total count."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
