"""The /api/v1 frame: one error shape, authentication, request validation, OpenAPI."""
