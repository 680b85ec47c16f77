"""The assessment API: views, serializers and routes (mounted under /api/)."""
