"""The REST API (Django REST framework, OpenAPI schema by drf-spectacular): every read scoped as the pages are."""
